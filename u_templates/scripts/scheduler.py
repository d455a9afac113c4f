"""List my scheduled posts: what goes out, where and when (my schedules under schedules/)."""

import wmill


def main(include_done: bool = False) -> list:
    """One row per scheduled post, soonest first; done (disabled) ones only if asked."""
    client = wmill.Windmill()
    resp = client.get(
        f"/w/{client.workspace}/schedules/list",
        params={"path_start": "u/{{user_id}}/schedules/", "per_page": 100},
    )
    rows = []
    for s in resp.json():
        args = s.get("args") or {}
        if not s.get("enabled") and not include_done:
            continue
        rows.append(
            {
                "when": args.get("scheduled_for") or s.get("schedule"),
                "platform": args.get("platform", ""),
                "post": (args.get("content") or s.get("summary") or "")[:120],
                "status": "scheduled" if s.get("enabled") else "done",
                "path": s.get("path"),
            }
        )
    return sorted(rows, key=lambda r: str(r["when"]))
