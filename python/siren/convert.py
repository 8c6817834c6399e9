"""python -m siren.convert MODEL.pth OUT.siren [options]: a PyTorch SIREN
into a libsiren model file, for a C program (siren_net_load).

MODEL.pth is what torch.save wrote: a state_dict (the official SIREN code
saves model.state_dict()), a training checkpoint dictionary holding one
under "state_dict", "model_state_dict" or "model", or, with
--unsafe-pickle, a whole pickled nn.Module (whose class must be importable;
unpickling runs code from the file, so only for files you trust).

A state_dict does not say its omegas or whether the last layer is linear:
they default to the official code's (30, 30, linear) and are set with the
options below or a JSON file (--config) holding any of first_omega,
hidden_omega, outermost_linear, and optionally in_features, out_features,
hidden_features, hidden_layers to check the file against. The layers'
shapes and order are checked (Network.from_torch); a mismatch names the
layer. The output is written atomically; the last line printed is
"result: ..." with the architecture.
"""

import argparse
import json
import sys

CONFIG_OMEGAS = ("first_omega", "hidden_omega", "outermost_linear")
CONFIG_SHAPE = ("in_features", "out_features", "hidden_features", "hidden_layers")


def parse(argv):
    parser = argparse.ArgumentParser(
        prog="python -m siren.convert",
        description="Convert a PyTorch SIREN (.pth) into a libsiren model file (.siren).")
    parser.add_argument("model", help="the .pth file (a state_dict, a checkpoint holding one, "
                        "or with --unsafe-pickle a whole module)")
    parser.add_argument("output", help="the .siren file to write")
    parser.add_argument("--config", help="a JSON file with first_omega, hidden_omega, "
                        "outermost_linear (and optionally the shape fields to check)")
    parser.add_argument("--first-omega", type=float, help="omega of the first layer (default 30)")
    parser.add_argument("--hidden-omega", type=float,
                        help="omega of the other sine layers (default 30; lucidrains' SirenNet "
                        "uses its w0, 1 by default)")
    last = parser.add_mutually_exclusive_group()
    last.add_argument("--outermost-linear", dest="outermost_linear", action="store_const",
                      const=True, help="the last layer is W h + b (the default)")
    last.add_argument("--outermost-sine", dest="outermost_linear", action="store_const",
                      const=False, help="the last layer is sin(hidden_omega (W h + b))")
    parser.add_argument("--key", help="the entry of a checkpoint dictionary that holds the "
                        "state_dict (default: the file itself, or state_dict, model_state_dict, "
                        "model)")
    parser.add_argument("--unsafe-pickle", action="store_true",
                        help="allow a whole pickled module (runs code from the file)")
    return parser.parse_args(argv)


def read_config(path):
    with open(path, encoding="utf-8") as f:
        config = json.load(f)
    if not isinstance(config, dict):
        raise ValueError("%s: a JSON object is expected" % path)
    unknown = set(config) - set(CONFIG_OMEGAS) - set(CONFIG_SHAPE)
    if unknown:
        raise ValueError("%s: unknown field(s) %s (known: %s)" % (
            path, ", ".join(sorted(unknown)), ", ".join(CONFIG_OMEGAS + CONFIG_SHAPE)))
    return config


def load_pth(path, unsafe_pickle):
    import torch
    try:
        return torch.load(path, map_location="cpu", weights_only=not unsafe_pickle)
    except TypeError:  # a torch without weights_only (before 1.13)
        if not unsafe_pickle:
            raise ValueError("this torch cannot load tensors only (no weights_only): rerun with "
                             "--unsafe-pickle if you trust %s" % path) from None
        return torch.load(path, map_location="cpu")
    except Exception as error:  # noqa: BLE001 - an unpickling refusal, told plainly
        if unsafe_pickle:
            raise
        raise ValueError("%s holds more than tensors (%s: %s). If it is a whole pickled model "
                         "you trust, rerun with --unsafe-pickle; or save model.state_dict() "
                         "instead" % (path, type(error).__name__, error)) from None


def convert(args):
    from . import torch_bridge
    config = read_config(args.config) if args.config else {}
    options = {name: config.get(name) for name in CONFIG_OMEGAS}
    for name in CONFIG_OMEGAS:  # the command line wins over the file
        if getattr(args, name) is not None:
            options[name] = getattr(args, name)
    source = load_pth(args.model, args.unsafe_pickle)
    if args.key is not None:
        if not hasattr(source, "get") or args.key not in source:
            raise ValueError("%s has no entry %r" % (args.model, args.key))
        source = source[args.key]
    net = torch_bridge.from_torch(source, **options)
    for name in CONFIG_SHAPE:
        if name in config and config[name] != getattr(net.config, name):
            raise ValueError("%s: %s is %d, but the layers of %s give %d" % (
                args.config, name, config[name], args.model, getattr(net.config, name)))
    net.save(args.output)
    return net


def main(argv=None):
    args = parse(sys.argv[1:] if argv is None else argv)
    try:
        net = convert(args)
    except ImportError as error:
        print("siren.convert: needs PyTorch (%s)" % error, file=sys.stderr)
        return 2
    except (ValueError, TypeError, OSError) as error:
        print("siren.convert: %s" % error, file=sys.stderr)
        return 1
    from .torch_bridge import describe
    print("%s -> %s: %s, %d parameters" % (args.model, args.output, describe(net.config),
                                           net.param_count))
    c = net.config
    print("result: in_features=%d out_features=%d hidden_features=%d hidden_layers=%d "
          "first_omega=%g hidden_omega=%g outermost_linear=%d params=%d"
          % (c.in_features, c.out_features, c.hidden_features, c.hidden_layers, c.first_omega,
             c.hidden_omega, c.outermost_linear, net.param_count))
    return 0


if __name__ == "__main__":
    sys.exit(main())
