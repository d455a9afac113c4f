"""Prometheus metrics of one hub app (its own registry, so several apps can share a process)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

__all__ = ["CONTENT_TYPE_LATEST", "Metrics"]


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.connections = Gauge("hub_connections", "Open authenticated websocket connections", registry=r)
        self.connects = Counter(
            "hub_connects", "Websocket connection attempts by result", ["result"], registry=r
        )
        self.disconnects = Counter("hub_disconnects", "Closed connections by reason", ["reason"], registry=r)
        self.requests = Counter("hub_requests", "USER_REQUEST frames by outcome", ["outcome"], registry=r)
        self.frames_in = Counter(
            "hub_frames_in", "Frames received from clients by type", ["type"], registry=r
        )
        self.events = Counter("hub_events_published", "Events published to user streams", registry=r)
        self.relay_latency = Histogram(
            "hub_relay_latency_seconds",
            "From an event's creation to its hand-off to a connection's send queue",
            buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
            registry=r,
        )
        self.backend_errors = Counter(
            "hub_backend_errors", "Errors talking to Windmill or the dev runtime", ["kind"], registry=r
        )
        self.publish_failures = Counter(
            "hub_publish_failures",
            "Events the broker could not take (sent to local sockets only)",
            registry=r,
        )
        self.pushes = Counter("hub_pushes", "POST /internal/push by result", ["result"], registry=r)

    def render(self) -> bytes:
        return generate_latest(self.registry)
