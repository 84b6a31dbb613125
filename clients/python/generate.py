"""Generates the Python gRPC stubs from proto/ into clients/python/generated/.

    python clients/python/generate.py

The stubs are build output (git-ignored): they always match the proto of the
checkout.
"""

import pathlib
import sys

from grpc_tools import protoc

HERE = pathlib.Path(__file__).resolve().parent
PROTO_ROOT = HERE.parent.parent / "proto"
OUT = HERE / "generated"


def main() -> int:
    OUT.mkdir(exist_ok=True)
    protos = sorted(str(p.relative_to(PROTO_ROOT)) for p in PROTO_ROOT.rglob("*.proto"))
    if not protos:
        print(f"no .proto files under {PROTO_ROOT}", file=sys.stderr)
        return 1
    # grpc_tools ships the well-known types; its include path is added by
    # protoc.main when given as argv[0]-style call below.
    args = [
        "grpc_tools.protoc",
        f"--proto_path={PROTO_ROOT}",
        f"--python_out={OUT}",
        f"--pyi_out={OUT}",
        f"--grpc_python_out={OUT}",
        *protos,
    ]
    code = protoc.main(args)
    if code != 0:
        print(f"protoc failed with exit code {code}", file=sys.stderr)
        return code
    for package in {pathlib.Path(p).parent for p in protos}:
        for part in [package, *package.parents]:
            if str(part) != ".":
                (OUT / part / "__init__.py").touch()
    print(f"generated stubs for {len(protos)} proto file(s) in {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
