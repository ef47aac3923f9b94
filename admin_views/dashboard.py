"""The home page as a dashboard: school figures and to-do list, or SBB's national figures. Every figure links to
the list it counts (participants overview, the report lists, the advisors' queue).
"""

from flask import current_app, url_for

from services import dashboard as svc
from services import registry
from services.clock import local
from services.permissions import can, sees_all_institutions


def _url(endpoint, **args):
    """url_for when the endpoint exists (areas are built in parallel), else None (the figure shows unlinked)."""
    if endpoint not in current_app.view_functions:
        return None
    return url_for(endpoint, **{k: v for k, v in args.items() if v not in (None, "")})


def _participant_url(pid):
    return _url("participants.details", pid=str(pid))


def chart(months, width=960, height=260):
    """Geometry of the bar chart (server-side SVG): one bar per month with its value and label written out."""
    top = max([m["count"] for m in months] + [1])
    left, bottom, plot_top = 40, 50, 24
    plot_h = height - bottom - plot_top
    step = (width - left - 10) / max(len(months), 1)
    bars = []
    for i, m in enumerate(months):
        h = round(plot_h * m["count"] / top, 1)
        x = round(left + i * step + step * 0.15, 1)
        bars.append(
            {
                **m,
                "x": x,
                "w": round(step * 0.7, 1),
                "y": round(plot_top + plot_h - h, 1),
                "h": h,
                "cx": round(x + step * 0.35, 1),
                "url": _url(
                    "reports.statements",
                    status="final",
                    van=m["start"].strftime("%d-%m-%Y"),
                    tot=m["end"].strftime("%d-%m-%Y"),
                ),
            }
        )
    ticks = sorted({0, top // 2, top})
    return {
        "bars": bars,
        "width": width,
        "height": height,
        "base": plot_top + plot_h,
        "left": left,
        "ticks": [{"value": t, "y": round(plot_top + plot_h - plot_h * t / top, 1)} for t in ticks],
        "total": sum(m["count"] for m in months),
    }


def school_panel(user):
    """Figures and to-do list of the user's own school."""
    if sees_all_institutions(user) or svc.institution_id(user) is None:
        return None
    data = svc.school_dashboard(user)
    return {
        "template": "dashboard/school.html",
        **data,
        "links": _figure_links(),
        "stale_url": _url("reports.statements", status="concept", ouder_dan=svc.STALE_CONCEPT_DAYS),
        "participant_url": _participant_url,
        "import_url": _url("participant_import.index"),
        "may_edit": can(user, "edit_participants"),
        "matrix_url": _url("reports.index"),
        "request_urls": {code: _url("reports.requests", status=code) for code in data["request_counts"]},
    }


def _figure_links(school=None):
    return {
        "participants_active": _url("participants.index", school=school),
        "participants_archived": _url("participants.index", tab="archief", school=school),
        "guidance_concept": _url("reports.guidance", status="concept", school=school),
        "guidance_final": _url("reports.guidance", status="final", school=school),
        "statements_concept": _url("reports.statements", status="concept", school=school),
        "statements_final": _url("reports.statements", status="final", school=school),
    }


def sbb_panel(user):
    """National figures for SBB: per school, per onderwijsvorm, per month, top kwalificaties, the open queue."""
    if not sees_all_institutions(user):
        return None
    data = svc.sbb_dashboard(user)
    for row in data["schools"]:
        sid = str(row["school"]["pk"])
        row["links"] = {
            "participants": _url("participants.index", school=sid),
            "concept": _url("reports.statements", status="concept", school=sid),
            "final": _url("reports.statements", status="final", school=sid),
        }
    for row in data["forms"]:
        row["url"] = _url("reports.statements", status="final", vorm=row["code"]) if row["code"] else None
    for row in data["qualifications"]:
        row["url"] = _url("reports.statements", status="final", crebo=row["crebo"])
    for row in data["work_processes"]:
        row["url"] = _url("reports.statements", status="final", crebo=row["crebo"], werkproces=row["code"])
    queue = data["queue"]
    from admin_views.companies import request_list_url, trainer_list_url

    queue["links"] = {code: request_list_url(status=code) for code in queue["requests"]}
    queue["links"]["all"] = request_list_url()
    queue["links"]["trainers"] = trainer_list_url()
    queue["links"]["access"] = _url("access_requests.index_view", flt0_0="submitted")
    return {
        "template": "dashboard/sbb.html",
        **data,
        "links": _figure_links(),
        "chart": chart(data["months"]),
        "computed_at": local(data["computed_at"]).strftime("%H:%M"),
        "may_handle": can(user, "handle_requests"),
        "matrix_url": _url("reports.index"),
    }


def register(app):
    """Called from admin_views.reports.register: the dashboard panels go first on the home page."""
    for panel in (sbb_panel, school_panel):
        if panel not in registry.HOME_PANELS:
            registry.HOME_PANELS.insert(0, panel)
