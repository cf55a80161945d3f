"""Right-sizing from live usage and version currency: pure engine (data in, data out).

- `quantity`: Kubernetes CPU and memory quantities.
- `queries`: the PromQL queries (cAdvisor, kube-state-metrics) and the dump a customer can send.
- `series`: Prometheus responses -> per-service usage samples.
- `engine`: distributions, the stated strategy, flags, the override with a reason per change.
- `chart`: chart key sets, values validation, Helm-style merge.
- `versions`: version strings, the release table, minors behind.
"""
