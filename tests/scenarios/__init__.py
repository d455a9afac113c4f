"""The scenario suite: realistic chat requests for every skill, run through the hub on the dev runtime."""
