#!/usr/bin/env python3
"""make-docker-bench.py ARCHIVE IMAGES

Writes a `docker save` archive (the legacy form `docker load` takes: manifest.json,
<config>.json, <layer>/layer.tar) of IMAGES tiny tagged images, bench/image-<i>:1, all on one
shared base layer, each with one small layer of its own; every tenth image has two more
config-only build steps (ENV) in its history. `docker load -q -i ARCHIVE` fills a daemon
with them in seconds, where building or tagging 1,000 images one by one takes minutes. The
bytes are the same on every run, so the image IDs are too.

Used by `cargo bench --bench open_docker`, and to measure by hand:

    scripts/docker-test-daemon.sh start /tmp/d
    scripts/make-docker-bench.py /tmp/images.tar 1000
    DOCKER_HOST=unix:///tmp/d/docker.sock /usr/bin/docker load -q -i /tmp/images.tar
"""
import hashlib, io, json, sys, tarfile

if len(sys.argv) != 3:
    sys.exit(__doc__)
path, images = sys.argv[1], int(sys.argv[2])


def member(tar, name, data):
    """A file with a fixed time and mode."""
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), 0o644, 1_700_000_000
    tar.addfile(info, io.BytesIO(data))


def layer(name, content):
    """A one-file layer tar, and its digest's hex."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as t:
        member(t, name, content)
    data = buf.getvalue()
    return data, hashlib.sha256(data).hexdigest()


with tarfile.open(path, "w", format=tarfile.GNU_FORMAT) as tar:
    base, base_id = layer("base.txt", b"base\n")
    member(tar, f"{base_id}/layer.tar", base)
    manifest = []
    for i in range(images):
        own, own_id = layer(f"image-{i}.txt", f"{i}\n".encode())
        member(tar, f"{own_id}/layer.tar", own)
        created = f"2023-11-14T22:{(i // 60) % 60:02}:{i % 60:02}Z"
        steps = 3 if i % 10 == 0 else 1
        history = [
            {
                "created": created,
                "created_by": "/bin/sh -c #(nop) COPY file:base in /base.txt "
                if s == 0
                else f"/bin/sh -c #(nop) COPY file:{i} in /image-{i}.txt "
                if s == 1
                else f"/bin/sh -c #(nop)  ENV STEP={s}",
                "empty_layer": s > 1,
            }
            for s in range(steps + 1)
        ]
        config = json.dumps(
            {
                "architecture": "amd64",
                "os": "linux",
                "created": created,
                "config": {"Env": [f"IMAGE={i}"], "Labels": {"bench": str(i)}},
                "rootfs": {
                    "type": "layers",
                    "diff_ids": [f"sha256:{base_id}", f"sha256:{own_id}"],
                },
                "history": history,
            }
        ).encode()
        config_id = hashlib.sha256(config).hexdigest()
        member(tar, f"{config_id}.json", config)
        manifest.append(
            {
                "Config": f"{config_id}.json",
                "RepoTags": [f"bench/image-{i}:1"],
                "Layers": [f"{base_id}/layer.tar", f"{own_id}/layer.tar"],
            }
        )
    member(tar, "manifest.json", json.dumps(manifest).encode())
