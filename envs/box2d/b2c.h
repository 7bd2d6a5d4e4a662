/* rlc envs/box2d: a C interface to the parts of Box2D 2.4 (Debian's libbox2d, C++) the Box2D
 * environments use: a world with gravity and a contact listener, static and dynamic bodies,
 * polygon / box / edge / circle fixtures with collision filters (or as sensors), a value attached
 * to each body, revolute joints with limits and motors, forces and impulses, the state of a body,
 * and a closest-hit ray cast.
 *
 * Everything is in Box2D's units (metres, radians, seconds) and float, as Box2D stores it. Bodies
 * and joints are owned by their world: b2c_world_destroy frees them all. Nothing here throws or
 * prints; creation returns NULL only when memory runs out. */
#ifndef RLC_ENVS_BOX2D_B2C_H
#define RLC_ENVS_BOX2D_B2C_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct b2c_world b2c_world;
typedef struct b2c_body b2c_body;     /* a b2Body of its world */
typedef struct b2c_joint b2c_joint;   /* a b2RevoluteJoint of its world */

/* A fixture's material and collision filter. Two fixtures collide when each one's category has
 * a bit in the other's mask (Box2D's defaults: category 0x0001, mask 0xFFFF). */
typedef struct {
    float density, friction, restitution;
    uint16_t category, mask;
    bool sensor;   /* reports contacts without colliding (Box2D's isSensor) */
} b2c_material;

/* Called from inside b2c_world_step when two fixtures start (begin = true) or stop touching,
 * with their bodies. */
typedef void (*b2c_contact_fn)(void *ctx, b2c_body *a, b2c_body *b, bool begin);

/* ---- world ---------------------------------------------------------------------------------- */

b2c_world *b2c_world_create(float gravity_x, float gravity_y);
void b2c_world_destroy(b2c_world *w);   /* NULL-safe; frees every body and joint */
/* fn (may be NULL: none) receives contact begins and ends with ctx */
void b2c_world_set_contact_fn(b2c_world *w, b2c_contact_fn fn, void *ctx);
void b2c_world_step(b2c_world *w, float dt, int velocity_iterations, int position_iterations);
/* The fraction in [0, 1] along p1 -> p2 of the closest fixture whose category has a bit of
 * category_mask, or 1 when the segment hits none. */
float b2c_world_raycast(b2c_world *w, float x1, float y1, float x2, float y2, uint16_t category_mask);

/* ---- bodies and fixtures -------------------------------------------------------------------- */

b2c_body *b2c_body_create(b2c_world *w, bool dynamic, float x, float y, float angle);
void b2c_body_destroy(b2c_world *w, b2c_body *b);
/* a convex polygon of n (3..8) vertices xy (x0, y0, x1, y1, ...) in the body's frame */
void b2c_body_add_polygon(b2c_body *b, const float *xy, int n, const b2c_material *m);
/* a box of half-widths hx, hy centred on the body's origin */
void b2c_body_add_box(b2c_body *b, float hx, float hy, const b2c_material *m);
/* a two-sided edge from (x1, y1) to (x2, y2) */
void b2c_body_add_edge(b2c_body *b, float x1, float y1, float x2, float y2, const b2c_material *m);
void b2c_body_add_circle(b2c_body *b, float radius, const b2c_material *m);

void b2c_body_position(const b2c_body *b, float *x, float *y);
float b2c_body_angle(const b2c_body *b);
void b2c_body_velocity(const b2c_body *b, float *vx, float *vy);
float b2c_body_angular_velocity(const b2c_body *b);
bool b2c_body_awake(const b2c_body *b);
/* the world coordinates of the point (lx, ly) of the body's frame */
void b2c_body_world_point(const b2c_body *b, float lx, float ly, float *x, float *y);
/* the world direction of the vector (lx, ly) of the body's frame (Box2D's GetWorldVector) */
void b2c_body_world_vector(const b2c_body *b, float lx, float ly, float *x, float *y);
/* a value the caller attaches to a body (Box2D's user data; 0 until set) */
void b2c_body_set_user(b2c_body *b, uintptr_t value);
uintptr_t b2c_body_user(const b2c_body *b);

void b2c_body_apply_force_center(b2c_body *b, float fx, float fy, bool wake);
void b2c_body_apply_torque(b2c_body *b, float torque, bool wake);
void b2c_body_apply_impulse(b2c_body *b, float ix, float iy, float px, float py, bool wake);

/* ---- revolute joints ------------------------------------------------------------------------ */

typedef struct {
    b2c_body *a, *b;
    float anchor_a[2], anchor_b[2];   /* in each body's frame */
    bool enable_limit;
    float lower_angle, upper_angle;
    bool enable_motor;
    float motor_speed, max_motor_torque;
} b2c_revolute_def;

b2c_joint *b2c_revolute_create(b2c_world *w, const b2c_revolute_def *d);
float b2c_joint_angle(const b2c_joint *j);
float b2c_joint_speed(const b2c_joint *j);
void b2c_joint_set_motor_speed(b2c_joint *j, float speed);
void b2c_joint_set_max_motor_torque(b2c_joint *j, float torque);

#ifdef __cplusplus
}
#endif

#endif
