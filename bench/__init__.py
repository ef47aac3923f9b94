"""The benchmark (`make bench` = `python -m bench`): our heavy paths beside their peers and their floor."""
