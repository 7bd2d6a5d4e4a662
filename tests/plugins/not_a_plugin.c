/* rlc tests: a shared object that is not an rlc plugin (no rlc_plugin_init), for the error that
 * says so (tests/test_loss_plugin.c). */
int rlc_test_not_a_plugin(void);
int rlc_test_not_a_plugin(void) { return 42; }
