"""Protocol views: each protocol's part of the world, kept current from events and touched-account reads."""
