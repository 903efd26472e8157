{
  "targets": [
    {
      "target_name": "alexnet_native",
      "sources": ["native/sgd.c", "native/outer.c"],
      "cflags": ["-O3", "-ffp-contract=off", "-fno-math-errno", "-pthread"],
      "ldflags": ["-pthread"]
    }
  ]
}
