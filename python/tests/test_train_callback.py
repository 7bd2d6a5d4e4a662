"""rlc python tests: rlc.train(..., callback=fn) sees every log line and evaluation with increasing
steps; returning False stops the run early with its checkpoint written; an exception raised in the
callback stops the run the same way and comes back with its traceback; the `stop:` section's
reason reaches TrainResult.stop_reason."""
import csv
import os
import tempfile
import traceback
import unittest

import rlc

# PPO on CartPole, small: 8 log rows (every 1024 steps) and 3 evaluations during training + 1 final
SMALL = {
    "algo": "ppo", "seed": 1, "total_steps": 8192,
    "env": {"id": "CartPole-v1", "num_envs": 4},
    "log": {"log_interval": 1024, "eval_interval": 2048, "eval_episodes": 2, "checkpoint_interval": 0,
            "tensorboard": False},
}


def eval_steps(run_dir):
    with open(os.path.join(run_dir, "eval.csv")) as f:
        return [int(float(r["step"])) for r in csv.DictReader(f)]


def checkpoint_step(run_dir):
    return rlc.training._checkpoint_metadata(run_dir).get("rlc.step")


class Callback(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.run_dir = os.path.join(self.tmp.name, "run")

    def tearDown(self):
        self.tmp.cleanup()

    def test_sees_log_and_eval_rows_in_order(self):
        events = []
        r = rlc.train(SMALL, run_dir=self.run_dir, callback=events.append)
        self.assertEqual((r.steps, r.stop_reason), (8192, None))
        logs = [e for e in events if e["kind"] == "log"]
        evals = [e for e in events if e["kind"] == "eval"]
        self.assertEqual([e["step"] for e in logs], list(range(1024, 8193, 1024)))
        self.assertEqual([e["step"] for e in evals], [2048, 4096, 6144, 8192])
        steps = [e["step"] for e in events]
        self.assertEqual(steps, sorted(steps), "steps never go back")
        for e in logs:
            self.assertTrue({"episodes", "return_mean", "length_mean", "policy_loss", "value_loss"} <= e.keys(), e)
            self.assertIsInstance(e["step"], int)
        self.assertEqual(set(evals[0]), {"kind", "step", "return_mean", "return_std", "episodes"})
        self.assertEqual(evals[-1]["return_mean"], r.eval_mean)
        self.assertEqual(eval_steps(self.run_dir), [e["step"] for e in evals])

    def test_returning_false_stops_early(self):
        seen = []

        def stop_at_first_eval(e):
            seen.append(e)
            return e["kind"] != "eval"
        r = rlc.train(SMALL, run_dir=self.run_dir, callback=stop_at_first_eval)
        self.assertEqual(r.steps, 2048)
        self.assertIn("callback", r.stop_reason)
        self.assertEqual(checkpoint_step(self.run_dir), "2048")
        self.assertTrue(os.path.isfile(os.path.join(self.run_dir, "best.safetensors")))
        self.assertEqual(eval_steps(self.run_dir), [2048])
        self.assertEqual([(e["kind"], e["step"]) for e in seen], [("log", 1024), ("log", 2048), ("eval", 2048)])
        # None (no return) goes on: the stopped run resumes to its end
        r = rlc.train(run_dir=self.run_dir, resume=True, callback=lambda e: None)
        self.assertEqual((r.steps, r.stop_reason), (8192, None))

    def test_an_exception_propagates_after_a_clean_stop(self):
        def failing_callback(e):
            if e["step"] >= 3072:
                raise KeyError("no such column")
        try:
            rlc.train(SMALL, run_dir=self.run_dir, callback=failing_callback)
            self.fail("no exception")
        except KeyError as e:   # (assertRaises drops the traceback)
            self.assertEqual(e.args, ("no such column",))
            frames = [f.name for f in traceback.extract_tb(e.__traceback__)]
        self.assertEqual(frames[-1], "failing_callback", frames)
        self.assertIn("train", frames)
        self.assertEqual(checkpoint_step(self.run_dir), "3072", "the run stopped with a checkpoint there")
        self.assertEqual(eval_steps(self.run_dir), [2048, 3072], "and the final evaluation")
        # the callback is gone: a later run without one is not stopped
        r = rlc.train(run_dir=self.run_dir, resume=True)
        self.assertEqual((r.steps, r.stop_reason), (8192, None))

    def test_stop_section_reason(self):
        r = rlc.train(SMALL, run_dir=self.run_dir,
                      overrides={"stop.patience": 1, "env.max_episode_steps": 1, "ppo.learning_rate": 0})
        self.assertEqual(r.steps, 4096, "the second evaluation brings no new best")
        self.assertIn("stop.patience 1", r.stop_reason)
        with open(os.path.join(self.run_dir, "stopped.txt")) as f:
            self.assertEqual(f.read().strip(), r.stop_reason)

    def test_bad_callback(self):
        with self.assertRaisesRegex(rlc.InvalidArgument, "callback: expected a function"):
            rlc.train(SMALL, run_dir=self.run_dir, callback=3)
        self.assertFalse(os.path.exists(self.run_dir))


if __name__ == "__main__":
    unittest.main()
