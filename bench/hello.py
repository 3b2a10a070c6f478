"""Sanity run of the instrument: H against itself and the portal's /healthz (bin/bench hello)."""

from bench.harness import Bench

if __name__ == "__main__":
    bench = Bench("hello")
    client = bench.client()
    bench.measure("H through the portal's middleware", lambda: client.get("/__hello/"), n=300)
    bench.measure("/healthz", lambda: client.get("/healthz"), n=100)
    bench.report()
