"""rlc python tests: the Python recipes of docs/checkpoints.md, run as written on a checkpoint
trained here -- the numpy reader, the renaming into nn.Sequential's names and, when torch is
installed, load_state_dict into the nn.Sequential the page builds."""
import importlib.util
import os
import re
import tempfile
import unittest

import numpy as np

from support import SOURCE_DIR, run_rlc

DOC = os.path.join(SOURCE_DIR, "docs", "checkpoints.md")
spec = importlib.util.spec_from_file_location("rlc_policy", os.path.join(SOURCE_DIR, "scripts", "rlc_policy.py"))
rlc_policy = importlib.util.module_from_spec(spec)
spec.loader.exec_module(rlc_policy)

try:
    import torch
except ImportError:
    torch = None


def doc_block(marker):
    """The one ```python block of docs/checkpoints.md that contains marker."""
    with open(DOC, encoding="utf-8") as f:
        blocks = re.findall(r"```python\n(.*?)```", f.read(), re.S)
    found = [b for b in blocks if marker in b]
    assert len(found) == 1, f"{DOC}: {len(found)} python blocks contain {marker!r}"
    return found[0]


class CheckpointRecipe(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.run_dir = os.path.join(cls.tmp.name, "ppo")
        run_rlc("train", os.path.join(SOURCE_DIR, "configs", "ppo_cartpole.yaml"), "--run-dir", cls.run_dir,
                "--quiet", "--set", "total_steps=4096", "--set", "log.eval_interval=0")
        cls.ckpt = os.path.join(cls.run_dir, "checkpoint.safetensors")
        cls.ns = {}
        exec(doc_block("def load_safetensors"), cls.ns)
        exec(doc_block("def sequential_state"), cls.ns)
        cls.obs = np.random.default_rng(0).normal(size=(64, 4)).astype(np.float32)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_numpy_reader_reads_what_rlc_wrote(self):
        tensors, meta = self.ns["load_safetensors"](self.ckpt)
        ref, ref_meta = rlc_policy.read_safetensors(self.ckpt)
        self.assertEqual(sorted(tensors), sorted(ref))
        for k in ref:
            np.testing.assert_array_equal(tensors[k], ref[k], err_msg=k)
        self.assertEqual(meta, ref_meta)
        self.assertEqual(meta["rlc.env"], "CartPole-v1")

    def test_sequential_names_and_forward(self):
        tensors, _ = self.ns["load_safetensors"](self.ckpt)
        state = self.ns["sequential_state"](tensors, "actor")
        # ppo_cartpole: 4 -> 64 -> 64 -> 2, tanh: Linear modules 0, 2, 4 with (out, in) weights
        shapes = {"0.weight": (64, 4), "0.bias": (64,), "2.weight": (64, 64), "2.bias": (64,),
                  "4.weight": (2, 64), "4.bias": (2,)}
        self.assertEqual({k: v.shape for k, v in state.items()}, shapes)
        x = self.obs
        for i in (0, 2, 4):   # the Sequential's forward: Linear, Tanh, Linear, Tanh, Linear
            x = x @ state[f"{i}.weight"].T + state[f"{i}.bias"]
            x = np.tanh(x) if i < 4 else x
        policy = rlc_policy.load(self.run_dir)
        np.testing.assert_array_equal(np.argmax(x, axis=1), policy.act(self.obs))

    @unittest.skipIf(torch is None, "python3-torch is not installed")
    def test_torch_load_state_dict(self):
        ns = dict(self.ns, n_in=4, h1=64, h2=64, n_out=2)
        exec(doc_block("torch.nn.Sequential("), ns)
        exec(doc_block("net.load_state_dict(").replace("runs/my_run/checkpoint.safetensors", self.ckpt), ns)
        with torch.no_grad():
            logits = ns["net"](torch.from_numpy(self.obs)).numpy()
        policy = rlc_policy.load(self.run_dir)
        x = self.obs
        for w, b in policy.actor:
            x = x @ w.T + b
            x = np.tanh(x) if w is not policy.actor[-1][0] else x
        np.testing.assert_allclose(logits, x, rtol=0, atol=1e-5)


if __name__ == "__main__":
    unittest.main()
