"""Classroom 50 entry point for snn-grade: install what grading needs, then grade the checkout.

Classroom 50 runs this file with the student's checkout as working directory and this
bundle at CLASSROOM50_BUNDLE_DIR. Set SNN_GRADE_SKIP_INSTALL=1 where torch, snnTorch,
NumPy and pytest are installed already (containers, self-hosted runners, tests).
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

BUNDLE = Path(os.environ.get("CLASSROOM50_BUNDLE_DIR") or Path(__file__).resolve().parent)
TORCH_INDEX = "https://download.pytorch.org/whl/cpu"
TORCH_REQUIREMENTS = __TORCH_REQUIREMENTS__
OTHER_REQUIREMENTS = __OTHER_REQUIREMENTS__


def log(message):
    print(f"snn-grade: {message}", flush=True)


def pip_install(arguments):
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *arguments]
    subprocess.run(command, check=True)


def install():
    if os.environ.get("SNN_GRADE_SKIP_INSTALL") == "1":
        log("SNN_GRADE_SKIP_INSTALL=1: using the installed packages")
        return
    log(f"installing CPU torch: {' '.join(TORCH_REQUIREMENTS)}")
    pip_install(["--index-url", TORCH_INDEX, *TORCH_REQUIREMENTS])
    log(f"installing {' '.join(OTHER_REQUIREMENTS)}")
    pip_install(OTHER_REQUIREMENTS)


def elevate():
    """Run again as root through passwordless sudo, so student code can run as another user."""
    if os.getuid() == 0 or os.environ.get("SNN_GRADE_NO_SUDO") == "1" or shutil.which("sudo") is None:
        return
    if subprocess.run(["sudo", "-n", "true"], capture_output=True).returncode != 0:
        log("no passwordless sudo: student code runs as the runner's user")
        return
    log("running as root through sudo; student code will run as an unprivileged user")
    # -E keeps Classroom 50's variables; sudo resets PATH, so it is passed again.
    command = ["sudo", "-n", "-E", "env", f"PATH={os.environ.get('PATH', '')}", sys.executable, str(Path(__file__).resolve())]
    os.execvp("sudo", command)


def main():
    try:
        install()
    except subprocess.CalledProcessError as exc:
        log(f"installation failed with exit status {exc.returncode}; see the pip output above")
        return 1
    elevate()
    sys.path.insert(0, str(BUNDLE / "grader"))
    from autograder import classroom50
    from autograder.errors import GraderError

    try:
        return classroom50.run(BUNDLE, Path.cwd(), os.environ)
    except GraderError as exc:
        log(f"grading failed: {exc}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
