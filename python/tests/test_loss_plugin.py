"""rlc python tests: a loss plugin through librlc.so: rlc.load_plugin registers its loss, rlc.losses
lists it after the built-ins, rlc.train takes it as the value loss, a second load does nothing."""
import os
import shutil
import tempfile
import unittest

import rlc
from support import run_rlc

PLUGIN = os.path.join(os.environ.get("RLC_BUILD_DIR", "build"), "log_cosh_scaled.so")


class LossPlugin(unittest.TestCase):
    def setUp(self):
        if not os.path.exists(PLUGIN):
            self.skipTest(PLUGIN + " not built")

    def test_load_list_and_train(self):
        builtin = [l for l in run_rlc("losses").stdout.splitlines()[2:] if l and not l.startswith(" ")]
        rlc.load_plugin(PLUGIN)
        rlc.load_plugin(PLUGIN)  # a second load of the same path does nothing
        names = [l.name for l in rlc.losses]
        self.assertEqual(names[:-1], [l.split()[0] for l in builtin])
        self.assertEqual(names[-1], "log_cosh_scaled")
        lcs = rlc.losses[-1]
        self.assertEqual((lcs.kind, [p.name for p in lcs.params]), ("regression", ["scale"]))
        tmp = tempfile.mkdtemp(prefix="rlc_py_lossplug_")
        try:
            res = rlc.train({"algo": "a2c", "total_steps": 256, "env": {"id": "CartPole-v1", "num_envs": 2},
                             "losses": {"value": {"name": "log_cosh_scaled", "plugin": PLUGIN, "scale": 2.0}},
                             "log": {"eval_interval": 0, "eval_episodes": 1, "checkpoint_interval": 0}},
                            run_dir=os.path.join(tmp, "run"))
            self.assertEqual(res.steps, 256)
            with open(os.path.join(tmp, "run", "config.yaml")) as f:
                self.assertIn('plugin: "%s"' % PLUGIN, f.read())
        finally:
            shutil.rmtree(tmp)


if __name__ == "__main__":
    unittest.main()
