#!/usr/bin/env python3
"""make-registry-bench.py ROOT REPOSITORIES TAGS

Writes the storage folder of a CNCF distribution registry (docker-registry 2.8's
filesystem driver) under ROOT, shaped like a build server's registry: REPOSITORIES
repositories (team<N>/app<M>), each with TAGS tagged OCI manifests on three base blobs
shared by all, plus one layer blob and one config of their own. Writing the files directly
takes minutes where pushing 10,000 manifests with skopeo would take hours; the registry
serves them as it serves what it stored itself (the benchmark reads them back through it).
The bytes are the same on every run.
"""
import hashlib, json, os, sys
root, repos, tags = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
v2 = os.path.join(root, "docker/registry/v2")
def blob(data):
    h = hashlib.sha256(data).hexdigest()
    d = os.path.join(v2, "blobs/sha256", h[:2], h)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "data"), "wb") as f: f.write(data)
    return "sha256:" + h, len(data)
# Links written already: the base blobs' links repeat for every tag of a repository.
linked = set()
def link(path, digest):
    if path in linked: return
    linked.add(path)
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, "link"), "w") as f: f.write(digest)
base = [blob(b"base layer %d" % i) for i in range(3)]
for r in range(repos):
    linked.clear()
    name = "team%d/app%d" % (r % 20, r)
    rp = os.path.join(v2, "repositories", name)
    for t in range(tags):
        layers = base + [blob(b"repo %d tag %d layer" % (r, t))]
        cfg = json.dumps({"architecture": "amd64", "os": "linux", "created": "2026-01-01T00:00:00Z",
            "rootfs": {"type": "layers", "diff_ids": [d for d, _ in layers]},
            "history": [{"created_by": "step %d" % i} for i in range(len(layers))]}).encode()
        c = blob(cfg)
        man = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": c[0], "size": c[1]},
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": d, "size": s} for d, s in layers]}).encode()
        m = blob(man)
        for d, _ in layers + [c]:
            link(os.path.join(rp, "_layers/sha256", d[7:]), d)
        link(os.path.join(rp, "_manifests/revisions/sha256", m[0][7:]), m[0])
        tag = "v%d" % t
        link(os.path.join(rp, "_manifests/tags", tag, "current"), m[0])
        link(os.path.join(rp, "_manifests/tags", tag, "index/sha256", m[0][7:]), m[0])
