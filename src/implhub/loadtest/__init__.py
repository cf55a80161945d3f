"""Load testing with k6: profile from the design -> self-contained k6 script; raw NDJSON points
-> per-type results -> verdict, reading, charts; manifests for the k6 operator. Pure: no store,
no HTTP, no subprocess."""
