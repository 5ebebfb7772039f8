"""The hackattic plugin for the challenge the_redis_one (see its README.md)."""
