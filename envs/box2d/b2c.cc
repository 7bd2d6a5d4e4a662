// rlc envs/box2d: the C interface of b2c.h over Box2D 2.4's C++ classes. The only C++ file of
// rlc; it allocates a world with malloc and placement new, so no exception can leave it.
#include "envs/box2d/b2c.h"

#include <box2d/box2d.h>

#include <new>
#include <stdlib.h>

namespace {

b2c_body *to_c(b2Body *b) { return reinterpret_cast<b2c_body *>(b); }
b2Body *to_b2(b2c_body *b) { return reinterpret_cast<b2Body *>(b); }
const b2Body *to_b2(const b2c_body *b) { return reinterpret_cast<const b2Body *>(b); }
b2RevoluteJoint *to_b2(b2c_joint *j) { return reinterpret_cast<b2RevoluteJoint *>(j); }
const b2RevoluteJoint *to_b2(const b2c_joint *j) { return reinterpret_cast<const b2RevoluteJoint *>(j); }

// hands Box2D's contact begins and ends to the C callback
struct Listener : public b2ContactListener {
    b2c_contact_fn fn = nullptr;
    void *ctx = nullptr;
    void BeginContact(b2Contact *c) override { report(c, true); }
    void EndContact(b2Contact *c) override { report(c, false); }
    void report(b2Contact *c, bool begin)
    {
        if (fn) fn(ctx, to_c(c->GetFixtureA()->GetBody()), to_c(c->GetFixtureB()->GetBody()), begin);
    }
};

// keeps the closest fixture of the wanted categories: returning the hit's fraction clips the
// ray there, so each later report is nearer than the last
struct ClosestRay : public b2RayCastCallback {
    uint16 mask = 0;
    float fraction = 1.0f;
    float ReportFixture(b2Fixture *f, const b2Vec2 &, const b2Vec2 &, float frac) override
    {
        if ((f->GetFilterData().categoryBits & mask) == 0) return -1.0f;   // ignore it, go on
        fraction = frac;
        return frac;
    }
};

void add_fixture(b2c_body *b, const b2Shape *shape, const b2c_material *m)
{
    b2FixtureDef fd;
    fd.shape = shape;
    fd.density = m->density;
    fd.friction = m->friction;
    fd.restitution = m->restitution;
    fd.filter.categoryBits = m->category;
    fd.filter.maskBits = m->mask;
    fd.isSensor = m->sensor;
    to_b2(b)->CreateFixture(&fd);
}

}  // namespace

struct b2c_world {
    b2World world;
    Listener listener;
    b2c_world(float gx, float gy) : world(b2Vec2(gx, gy)) { world.SetContactListener(&listener); }
};

extern "C" {

b2c_world *b2c_world_create(float gravity_x, float gravity_y)
{
    void *mem = malloc(sizeof(b2c_world));
    if (!mem) return nullptr;
    return new (mem) b2c_world(gravity_x, gravity_y);
}

void b2c_world_destroy(b2c_world *w)
{
    if (!w) return;
    w->listener.fn = nullptr;   // the bodies go without contact ends
    w->~b2c_world();
    free(w);
}

void b2c_world_set_contact_fn(b2c_world *w, b2c_contact_fn fn, void *ctx)
{
    w->listener.fn = fn;
    w->listener.ctx = ctx;
}

void b2c_world_step(b2c_world *w, float dt, int velocity_iterations, int position_iterations)
{
    w->world.Step(dt, velocity_iterations, position_iterations);
}

float b2c_world_raycast(b2c_world *w, float x1, float y1, float x2, float y2, uint16_t category_mask)
{
    ClosestRay ray;
    ray.mask = category_mask;
    w->world.RayCast(&ray, b2Vec2(x1, y1), b2Vec2(x2, y2));
    return ray.fraction;
}

b2c_body *b2c_body_create(b2c_world *w, bool dynamic, float x, float y, float angle)
{
    b2BodyDef bd;
    bd.type = dynamic ? b2_dynamicBody : b2_staticBody;
    bd.position.Set(x, y);
    bd.angle = angle;
    return to_c(w->world.CreateBody(&bd));
}

void b2c_body_destroy(b2c_world *w, b2c_body *b) { w->world.DestroyBody(to_b2(b)); }

void b2c_body_add_polygon(b2c_body *b, const float *xy, int n, const b2c_material *m)
{
    b2Vec2 v[b2_maxPolygonVertices];
    if (n > b2_maxPolygonVertices) n = b2_maxPolygonVertices;
    for (int i = 0; i < n; i++) v[i].Set(xy[2 * i], xy[2 * i + 1]);
    b2PolygonShape shape;
    shape.Set(v, n);
    add_fixture(b, &shape, m);
}

void b2c_body_add_box(b2c_body *b, float hx, float hy, const b2c_material *m)
{
    b2PolygonShape shape;
    shape.SetAsBox(hx, hy);
    add_fixture(b, &shape, m);
}

void b2c_body_add_edge(b2c_body *b, float x1, float y1, float x2, float y2, const b2c_material *m)
{
    b2EdgeShape shape;
    shape.SetTwoSided(b2Vec2(x1, y1), b2Vec2(x2, y2));
    add_fixture(b, &shape, m);
}

void b2c_body_add_circle(b2c_body *b, float radius, const b2c_material *m)
{
    b2CircleShape shape;
    shape.m_radius = radius;
    add_fixture(b, &shape, m);
}

void b2c_body_position(const b2c_body *b, float *x, float *y)
{
    const b2Vec2 &p = to_b2(b)->GetPosition();
    *x = p.x;
    *y = p.y;
}

float b2c_body_angle(const b2c_body *b) { return to_b2(b)->GetAngle(); }

void b2c_body_velocity(const b2c_body *b, float *vx, float *vy)
{
    const b2Vec2 &v = to_b2(b)->GetLinearVelocity();
    *vx = v.x;
    *vy = v.y;
}

float b2c_body_angular_velocity(const b2c_body *b) { return to_b2(b)->GetAngularVelocity(); }
bool b2c_body_awake(const b2c_body *b) { return to_b2(b)->IsAwake(); }

void b2c_body_world_point(const b2c_body *b, float lx, float ly, float *x, float *y)
{
    b2Vec2 p = to_b2(b)->GetWorldPoint(b2Vec2(lx, ly));
    *x = p.x;
    *y = p.y;
}

void b2c_body_world_vector(const b2c_body *b, float lx, float ly, float *x, float *y)
{
    b2Vec2 v = to_b2(b)->GetWorldVector(b2Vec2(lx, ly));
    *x = v.x;
    *y = v.y;
}

void b2c_body_set_user(b2c_body *b, uintptr_t value) { to_b2(b)->GetUserData().pointer = value; }
uintptr_t b2c_body_user(const b2c_body *b) { return const_cast<b2Body *>(to_b2(b))->GetUserData().pointer; }

void b2c_body_apply_force_center(b2c_body *b, float fx, float fy, bool wake)
{
    to_b2(b)->ApplyForceToCenter(b2Vec2(fx, fy), wake);
}

void b2c_body_apply_torque(b2c_body *b, float torque, bool wake) { to_b2(b)->ApplyTorque(torque, wake); }

void b2c_body_apply_impulse(b2c_body *b, float ix, float iy, float px, float py, bool wake)
{
    to_b2(b)->ApplyLinearImpulse(b2Vec2(ix, iy), b2Vec2(px, py), wake);
}

b2c_joint *b2c_revolute_create(b2c_world *w, const b2c_revolute_def *d)
{
    b2RevoluteJointDef jd;
    jd.bodyA = to_b2(d->a);
    jd.bodyB = to_b2(d->b);
    jd.localAnchorA.Set(d->anchor_a[0], d->anchor_a[1]);
    jd.localAnchorB.Set(d->anchor_b[0], d->anchor_b[1]);
    jd.enableLimit = d->enable_limit;
    jd.lowerAngle = d->lower_angle;
    jd.upperAngle = d->upper_angle;
    jd.enableMotor = d->enable_motor;
    jd.motorSpeed = d->motor_speed;
    jd.maxMotorTorque = d->max_motor_torque;
    return reinterpret_cast<b2c_joint *>(w->world.CreateJoint(&jd));
}

float b2c_joint_angle(const b2c_joint *j) { return to_b2(j)->GetJointAngle(); }
float b2c_joint_speed(const b2c_joint *j) { return to_b2(j)->GetJointSpeed(); }
void b2c_joint_set_motor_speed(b2c_joint *j, float speed) { to_b2(j)->SetMotorSpeed(speed); }
void b2c_joint_set_max_motor_torque(b2c_joint *j, float torque) { to_b2(j)->SetMaxMotorTorque(torque); }

}  // extern "C"
