"""leadsim benchmarks: ``python -m bench [name ...]`` runs ``bench/bench_<name>.py`` modules and prints ratios."""
