"""Copy the pinned npm packages' files into ``src/deerhabitat/publish/vendor``.

The list of packages, versions, files and sha256 digests is ``deerhabitat.publish.assets.ALL_VENDORED``.
For each package this script runs ``npm pack NAME@VERSION`` in a temporary folder, checks every listed
file of the tarball against its pinned sha256, and copies it (with its licence file) to
``publish/vendor/NAME-VERSION/``. A digest that differs stops the script: the pinned list is the
reference, and a new version means editing ``assets.py`` on purpose.

Usage::

    .venv/bin/python tools/vendor_assets.py           # fetch, verify, copy
    .venv/bin/python tools/vendor_assets.py --check   # only verify the committed copies (no network)
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from deerhabitat.publish.assets import ALL_VENDORED, VendoredPackage

VENDOR_DIR = Path(__file__).resolve().parents[1] / "src" / "deerhabitat" / "publish" / "vendor"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def fetch(package: VendoredPackage, workdir: Path) -> dict[str, bytes]:
    """Run ``npm pack`` and return the listed files of the tarball, keyed by package path."""
    subprocess.run(
        ["npm", "pack", f"{package.name}@{package.version}", "--silent"],
        cwd=workdir,
        check=True,
        capture_output=True,
    )
    tarball = next(workdir.glob(f"{package.name}-{package.version}.tgz"))
    wanted = {f"package/{f.package_path}": f.package_path for f in package.files}
    out: dict[str, bytes] = {}
    with tarfile.open(tarball) as tar:
        for member in tar.getmembers():
            if member.name in wanted and member.isfile():
                out[wanted[member.name]] = tar.extractfile(member).read()
    return out


def vendor(package: VendoredPackage) -> list[str]:
    """Fetch one package, verify and copy its files; return the problems found."""
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        contents = fetch(package, Path(tmp))
    for file in package.files:
        data = contents.get(file.package_path)
        if data is None:
            problems.append(f"{package.name}@{package.version}: {file.package_path} is not in the tarball")
            continue
        if _sha256(data) != file.sha256:
            problems.append(
                f"{package.name}@{package.version}: {file.package_path} has sha256 "
                f"{_sha256(data)}, assets.py pins {file.sha256}"
            )
            continue
        target = VENDOR_DIR / package.folder / file.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return problems


def check(package: VendoredPackage) -> list[str]:
    """Verify the committed copies of one package against the pinned digests."""
    problems = []
    for file in package.files:
        target = VENDOR_DIR / package.folder / file.name
        if not target.is_file():
            problems.append(f"{target} is missing")
        elif _sha256(target.read_bytes()) != file.sha256:
            problems.append(f"{target} does not match the sha256 pinned in assets.py")
    return problems


def main(argv: list[str] | None = None) -> int:
    """Vendor (or with ``--check`` verify) every pinned package; exit 1 on any problem."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only verify the committed files")
    args = parser.parse_args(argv)
    problems = []
    total = 0
    for package in ALL_VENDORED:
        problems += check(package) if args.check else vendor(package)
        size = sum(
            (VENDOR_DIR / package.folder / f.name).stat().st_size
            for f in package.files
            if (VENDOR_DIR / package.folder / f.name).is_file()
        )
        total += size
        label = f"{package.name}@{package.version} ({package.licence})"
        print(f"{label}: {len(package.files)} files, {size:,} bytes")
    print(f"total vendored: {total:,} bytes")
    for problem in problems:
        print(f"problem: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
