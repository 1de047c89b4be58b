"""The SDKs as the registries will serve them once published, for what installs packages by name
(`pulumi new`'s `npm install` and `go mod tidy`): an npm registry on 127.0.0.1 that serves the
packed sdk/nodejs under its name and sends every other request on to the registry npm is
configured with, and a Go module proxy directory (GOPROXY=file://...) holding sdk/go's module,
before the proxy Go is configured with."""

from __future__ import annotations

import base64
import hashlib
import http.server
import json
import subprocess
import tarfile
import threading
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from devtools import nodejs
from devtools.stack import ROOT

GO_SDK = ROOT / "sdk" / "go"
GO_MODULE = "github.com/maytapi-pulumi/maytapi-pulumi/sdk/go"


@contextmanager
def npm_registry() -> Iterator[dict[str, str]]:
    """The environment that points npm at a registry serving sdk/nodejs, packed, as npm's would."""
    tarball = nodejs.sdk_tarball()
    data = tarball.read_bytes()
    with tarfile.open(tarball) as packed:
        member = packed.extractfile("package/package.json")
        assert member is not None
        package = json.load(member)
    name, version = package["name"], package["version"]
    upstream = subprocess.run(
        [nodejs.npm(), "config", "get", "registry"], capture_output=True, text=True, check=True
    ).stdout.strip()

    class Registry(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path.rstrip("/") == f"/{name}":
                integrity = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
                url = f"http://{self.headers['Host']}/{name}/-/{tarball.name}"
                dist = {"tarball": url, "integrity": integrity, "shasum": hashlib.sha1(data).hexdigest()}
                body = json.dumps(
                    {
                        "name": name,
                        "dist-tags": {"latest": version},
                        "versions": {version: {**package, "dist": dist}},
                    }
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
            elif self.path == f"/{name}/-/{tarball.name}":
                body = data
                self.send_response(200)
            else:
                body = b""
                self.send_response(302)
                self.send_header("Location", upstream.rstrip("/") + self.path)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Registry)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield {"npm_config_registry": f"http://127.0.0.1:{server.server_address[1]}/"}
    finally:
        server.shutdown()
        thread.join()


def go_proxy(directory: Path) -> dict[str, str]:
    """The environment that makes Go find sdk/go's module, v0.1.0, in a proxy directory written
    under `directory`, ahead of the configured proxies; it is not in the checksum database."""
    version = "v0.1.0"
    versions = directory / GO_MODULE / "@v"
    versions.mkdir(parents=True)
    (versions / "list").write_text(f"{version}\n")
    (versions / f"{version}.info").write_text(json.dumps({"Version": version}))
    (versions / f"{version}.mod").write_bytes((GO_SDK / "go.mod").read_bytes())
    with zipfile.ZipFile(versions / f"{version}.zip", "w") as module:
        for path in sorted(GO_SDK.rglob("*")):
            if path.is_file():
                module.write(path, f"{GO_MODULE}@{version}/{path.relative_to(GO_SDK).as_posix()}")
    configured = subprocess.run(["go", "env", "GOPROXY"], capture_output=True, text=True, check=True).stdout
    return {"GOPROXY": f"file://{directory},{configured.strip()}", "GONOSUMDB": GO_MODULE}
