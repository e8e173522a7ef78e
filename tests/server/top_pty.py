#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The sluice authors
#
# `sluicectl top` on a pseudo-terminal: it must draw on the alternate screen
# and, however it is asked to stop, leave the terminal as it found it
# (termios echo and canonical mode back on, cursor shown, alternate screen
# left) and exit 0.
#
#   top_pty.py SLUICECTL SOCKET q|ctrl-c|sigterm|resize
#
# q: the key; ctrl-c: the byte 0x03, which the terminal turns into SIGINT;
# sigterm: kill(SIGTERM); resize: the window shrinks to 60x20 (SIGWINCH) and
# the next frame must fit it, then q.  Every wait is bounded (DEADLINE s).
import fcntl
import os
import pty
import re
import select
import signal
import struct
import sys
import termios
import time

DEADLINE = 10.0
ENTER = b"\x1b[?1049h"
LEAVE = b"\x1b[?1049l"
SHOW_CURSOR = b"\x1b[?25h"
KEY_LINE = re.compile(rb"lines \d+-\d+ of \d+")


def fail(msg, out=b""):
    sys.stderr.write("top_pty: FAIL: %s\n" % msg)
    if out:
        sys.stderr.write("top_pty: output (last 600 bytes): %r\n" % out[-600:])
    sys.exit(1)


def set_size(fd, rows, cols):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


def main():
    ctl, sock, how = sys.argv[1], sys.argv[2], sys.argv[3]
    asked = how
    pid, fd = pty.fork()
    if pid == 0:
        os.environ["TERM"] = "xterm"
        os.execv(ctl, [ctl, "-s", sock, "top", "-d", "0.2"])
    set_size(fd, 24, 80)
    before = termios.tcgetattr(fd)
    out = bytearray()
    deadline = time.monotonic() + DEADLINE

    def read_until(pred):
        while not pred():
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            r, _, _ = select.select([fd], [], [], min(left, 0.2))
            if r:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:  # EIO: the child closed the terminal
                    return pred()
                if not chunk:
                    return pred()
                out.extend(chunk)
        return True

    # the first frame, key line included
    if not read_until(lambda: ENTER in out and KEY_LINE.search(out)):
        os.kill(pid, signal.SIGKILL)
        fail("no first frame within %gs" % DEADLINE, bytes(out))
    if termios.tcgetattr(fd)[3] & (termios.ECHO | termios.ICANON):
        os.kill(pid, signal.SIGKILL)
        fail("echo or canonical mode still on while top runs")

    if how == "resize":
        mark = len(out)
        set_size(fd, 20, 60)
        if not read_until(lambda: KEY_LINE.search(out, mark)):
            os.kill(pid, signal.SIGKILL)
            fail("no frame after the resize", bytes(out))
        # the last whole frame: from its cursor-home to its key line
        frame = bytes(out[mark:])
        frame = frame[frame.rfind(b"\x1b[H"):]
        frame = frame[: KEY_LINE.search(frame).end()]
        plain = re.sub(rb"\x1b\[[0-9;?]*[@-~]", b"", frame).split(b"\n")
        if len(plain) > 20 or max(len(l.rstrip(b"\r")) for l in plain) > 60:
            os.kill(pid, signal.SIGKILL)
            fail("the frame after the resize does not fit 60x20: %d lines, widest %d"
                 % (len(plain), max(len(l.rstrip(b"\r")) for l in plain)), frame)
        how = "q"
    if how == "q":
        os.write(fd, b"q")
    elif how == "ctrl-c":
        os.write(fd, b"\x03")
    elif how == "sigterm":
        os.kill(pid, signal.SIGTERM)
    else:
        fail("unknown way to stop: %s" % how)

    read_until(lambda: False)  # everything until EOF (bounded)
    status = None
    while time.monotonic() < deadline:
        wpid, st = os.waitpid(pid, os.WNOHANG)
        if wpid == pid:
            status = st
            break
        time.sleep(0.05)
    if status is None:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        fail("top did not exit after %s" % how, bytes(out))
    if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
        fail("top ended with status %r after %s" % (status, how), bytes(out))
    after = termios.tcgetattr(fd)
    if after[3] != before[3]:
        fail("terminal local modes not restored: 0x%x, was 0x%x" % (after[3], before[3]))
    tail = bytes(out[out.rfind(ENTER):])
    if LEAVE not in tail or SHOW_CURSOR not in tail:
        fail("alternate screen not left or cursor not shown again", bytes(out))
    print("top_pty: %s: ok" % asked)


if __name__ == "__main__":
    main()
