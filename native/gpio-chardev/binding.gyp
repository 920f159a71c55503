{
  "targets": [
    {
      "target_name": "gpio_chardev",
      "sources": ["src/gpio_chardev.c", "src/watch.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-Wall", "-Wextra", "-Wno-unused-parameter", "-std=gnu11"]
    }
  ]
}
