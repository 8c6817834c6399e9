#!/usr/bin/python3
"""Two training logs side by side: PyTorch's and libsiren's --log CSVs.

Both files have the columns step,loss,psnr_db,seconds (one row a step, as
the C programs' --log and signals_reference.py --log write them). Prints
a Markdown table of the PSNR of every --every-th step the two logs share,
the largest PSNR and relative loss differences over all shared steps, and
each side's seconds per step.

    compare_logs.py torch.csv siren.csv [--every 25] [--names PyTorch,libsiren]
"""
import argparse
import csv
import sys


def read_log(path):
    """{step: (loss, psnr_db)}, and the seconds per step of the log's last
    process: a resumed run appends rows whose seconds start again from 0."""
    rows, seconds, segment_first, previous = {}, 0.0, None, float("inf")
    with open(path, newline="") as f:
        lines = f.read().split("\n")
    for row in csv.DictReader(lines[:-1]):  # the last is "" or a row still being written
        if None in row.values():
            continue
        step, seconds_now = int(row["step"]), float(row["seconds"])
        rows[step] = (float(row["loss"]), float(row["psnr_db"]))
        if seconds_now < previous:  # the first row, or the first after a resume
            segment_first = step
        previous = seconds = seconds_now
        last = step
    if not rows:
        return rows, float("nan")
    return rows, seconds / (last - segment_first + 1)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("a")
    p.add_argument("b")
    p.add_argument("--every", type=int, default=25)
    p.add_argument("--names", default="PyTorch,libsiren")
    args = p.parse_args()
    name_a, name_b = args.names.split(",")
    a, per_step_a = read_log(args.a)
    b, per_step_b = read_log(args.b)
    shared = sorted(set(a) & set(b))
    if not shared:
        sys.exit("compare_logs.py: the two logs share no step")
    print(f"| step | {name_a} PSNR (dB) | {name_b} PSNR (dB) | difference |")
    print("|---|---|---|---|")
    for step in shared:
        if step % args.every == 0 or step == shared[0]:
            pa, pb = a[step][1], b[step][1]
            print(f"| {step} | {pa:.3f} | {pb:.3f} | {pb - pa:+.3f} |")
    psnr_gap = max(abs(a[s][1] - b[s][1]) for s in shared)
    loss_gap = max(abs(a[s][0] - b[s][0]) / abs(a[s][0]) for s in shared if a[s][0])
    print(f"\nsteps {shared[0]}-{shared[-1]}: largest PSNR difference {psnr_gap:.4f} dB, "
          f"largest relative loss difference {loss_gap:.2e}")
    print(f"seconds per step: {name_a} {per_step_a:.3f}, {name_b} {per_step_b:.3f}")


if __name__ == "__main__":
    main()
