"""The sample product's vocabulary: Kitewire, a workflow and operational-analytics platform.

Everything here is hand-written domain language; the generator only chooses, combines and
paraphrases it. Each feature carries the words customers use for it (``wants``: what they
want to do, ``nouns``: what they call it) so that feedback can talk about an item without
copying its title, the way real customers do.
"""

from __future__ import annotations

from dataclasses import dataclass

COMPANY = "Kitewire Inc."
PRODUCT = "Kitewire"
TAGLINE = (
    "Kitewire is a workflow and operational-analytics platform for operations teams: request "
    "intake forms, approvals, automations and SLA tracking, with dashboards that show how work "
    "flows, mobile apps for people in the field, and integrations with the tools companies "
    "already run."
)


@dataclass(frozen=True)
class Feature:
    title: str
    obj: str
    description: str
    wants: tuple[str, ...]
    nouns: tuple[str, ...]


@dataclass(frozen=True)
class Epic:
    title: str
    description: str
    features: tuple[Feature, ...]


@dataclass(frozen=True)
class Bug:
    title: str
    description: str
    symptoms: tuple[str, ...]


@dataclass(frozen=True)
class Area:
    key: str
    name: str
    team: str
    theme: str
    objectives: tuple[tuple[str, float], ...]
    epics: tuple[Epic, ...]
    bugs: tuple[Bug, ...] = ()


@dataclass(frozen=True)
class Topic:
    """Something customers ask for that is not (yet) in the backlog: a future theme."""

    name: str
    wants: tuple[str, ...]
    nouns: tuple[str, ...]
    rising: bool = False


def F(title: str, obj: str, description: str, wants: list[str], nouns: list[str]) -> Feature:
    return Feature(title, obj, description, tuple(wants), tuple(nouns))


def B(title: str, description: str, symptoms: list[str]) -> Bug:
    return Bug(title, description, tuple(symptoms))


# --------------------------------------------------------------------------- teams

# key, name, country, skills in roster order (one person per entry; extras are secondary)
TEAMS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("workflow", "Workflow", "US", ("backend", "backend", "frontend", "frontend", "design", "qa")),
    ("insights", "Insights", "DE", ("data", "data", "backend", "frontend", "design")),
    ("platform", "Platform", "IN", ("backend", "infra", "infra", "security", "qa")),
    ("mobile", "Mobile & Growth", "GB", ("mobile", "mobile", "frontend", "backend", "design")),
)

TEAM_MISSIONS = {
    "workflow": "workflow builder, approvals, forms, automations and permissions",
    "insights": "dashboards, reporting, search and data exports",
    "platform": "integrations, the public API, performance, reliability and security",
    "mobile": "the iOS and Android apps, notifications, onboarding and self-serve billing",
}

NAMES: dict[str, tuple[str, ...]] = {
    "US": (
        "Maya Thompson",
        "Jordan Rivera",
        "Priya Natarajan",
        "Marcus Bell",
        "Elena Vasquez",
        "Tyrone Jackson",
        "Hannah Kim",
        "Diego Morales",
        "Rachel Goldberg",
        "Kevin Nguyen",
        "Aisha Mohammed",
        "Brian O'Connell",
        "Camila Ortiz",
        "Samuel Adeyemi",
    ),
    "DE": (
        "Lukas Becker",
        "Anna Schmidt",
        "Mehmet Yilmaz",
        "Sophie Wagner",
        "Jonas Hoffmann",
        "Lea Fischer",
        "Felix Braun",
        "Katarzyna Nowak",
        "Tobias Klein",
        "Miriam Haddad",
    ),
    "GB": (
        "Oliver Hughes",
        "Amelia Clarke",
        "Chidi Okafor",
        "Harriet Patel",
        "Callum Fraser",
        "Siobhan Murphy",
        "Daniel Osei",
        "Grace Whitfield",
        "Yusuf Rahman",
        "Imogen Price",
    ),
    "IN": (
        "Arjun Mehta",
        "Kavya Reddy",
        "Rohan Iyer",
        "Sneha Kulkarni",
        "Vikram Singh",
        "Ananya Das",
        "Farhan Qureshi",
        "Meera Pillai",
        "Nikhil Bose",
        "Divya Menon",
    ),
}

COST_PER_DAY = {
    "US": (880.0, 1150.0),
    "DE": (720.0, 900.0),
    "GB": (680.0, 860.0),
    "IN": (290.0, 430.0),
}

# --------------------------------------------------------------------------- story templates

# skill, template (``{obj}`` is the feature's object), order in a feature's flow
STORY_TEMPLATES: tuple[tuple[str, str, int], ...] = (
    ("design", "Design: flows and empty states for {obj}", 0),
    ("design", "Usability test the {obj} prototype with five customers", 0),
    ("backend", "Data model and service for {obj}", 1),
    ("backend", "Internal API endpoints for {obj}", 1),
    ("backend", "Migrate existing workspaces to {obj}", 2),
    ("backend", "Audit-log entries for {obj}", 2),
    ("data", "Usage events and warehouse tables for {obj}", 2),
    ("data", "Backfill historical data for {obj}", 2),
    ("security", "Permission checks and threat model for {obj}", 2),
    ("infra", "Feature flag and staged rollout for {obj}", 3),
    ("infra", "Capacity test and alerts for {obj}", 3),
    ("frontend", "Web UI for {obj}", 3),
    ("frontend", "Admin settings page for {obj}", 3),
    ("frontend", "In-app tips and help-centre article for {obj}", 4),
    ("qa", "End-to-end tests for {obj}", 5),
    ("qa", "Regression suite and release checklist for {obj}", 5),
)
CROSS_TEAM_STORIES: tuple[tuple[str, str, str, int], ...] = (
    # team, skill, template, order: work another team does for a feature it does not own
    ("mobile", "mobile", "Mobile: {obj} on iOS and Android", 4),
    ("platform", "backend", "Public API and webhooks for {obj}", 4),
    ("insights", "data", "Reporting on {obj} in dashboards", 4),
)
STORY_DESCRIPTIONS: dict[int, str] = {
    0: "Agree the user flows before engineering starts; share the prototype in the design review.",
    1: "Foundations the rest of the feature builds on; keep schema changes backwards compatible.",
    2: "Make the change safe for existing customers and traceable for admins.",
    3: "Ship behind a flag to internal workspaces first, then the beta cohort.",
    4: "Part of the launch checklist: customers see and understand the change.",
    5: "Cover the main paths and the edge cases found in the beta.",
}

# --------------------------------------------------------------------------- product areas

AREAS: tuple[Area, ...] = (
    Area(
        "workflows",
        "Workflow builder",
        "workflow",
        "new_features",
        (("activation", 0.6), ("enterprise", 0.4)),
        (
            Epic(
                "Visual workflow builder 2.0",
                "Rebuild the workflow builder so operations leads can design multi-step processes "
                "without help from an admin: branching, reusable steps, parallel work and "
                "versioning.",
                (
                    F(
                        "Conditional branching in workflows",
                        "conditional branches",
                        "Let a workflow take different paths depending on form answers or request "
                        "fields, with an else path and a preview of which branch a request would "
                        "take.",
                        [
                            "add if/else branches to a workflow",
                            "route a request differently depending on the form answers",
                            "send requests down different paths based on a field value",
                        ],
                        ["conditional branching", "if/else logic in workflows", "branching rules"],
                    ),
                    F(
                        "Reusable step templates",
                        "step templates",
                        "Save a group of workflow steps as a template and reuse it across "
                        "workflows; "
                        "changes to the template reach every workflow after a review.",
                        [
                            "reuse the same steps across several workflows",
                            "save a set of steps as a template",
                            "copy steps between workflows without rebuilding them",
                        ],
                        ["reusable steps", "step templates", "shared workflow blocks"],
                    ),
                    F(
                        "Workflow version history and rollback",
                        "workflow versions",
                        "Keep every published version of a workflow, show what changed between "
                        "versions and roll back to an earlier version in one click.",
                        [
                            "roll back a workflow to an earlier version",
                            "see who changed a workflow and when",
                            "undo a change someone published to a workflow",
                        ],
                        [
                            "version history for workflows",
                            "workflow rollback",
                            "a change log for workflows",
                        ],
                    ),
                    F(
                        "Parallel steps",
                        "parallel steps",
                        "Run several workflow steps at the same time and continue when all (or "
                        "any) "
                        "of the parallel steps are complete.",
                        [
                            "run two workflow steps at the same time",
                            "have several teams work on a request in parallel",
                            "wait for all parallel tasks before the workflow moves on",
                        ],
                        [
                            "parallel steps",
                            "parallel tasks in a workflow",
                            "concurrent workflow steps",
                        ],
                    ),
                ),
            ),
            Epic(
                "SLA management",
                "Service-level targets on requests, with timers, escalations, business-hours "
                "calendars and reporting on breaches.",
                (
                    F(
                        "SLA timers on requests",
                        "SLA timers",
                        "Show a live countdown to the SLA target on every request, per queue and "
                        "priority, paused outside business hours so overdue requests stand out.",
                        [
                            "see how long until a request breaches its SLA",
                            "set response-time targets per queue",
                            "get a countdown on requests before they go overdue",
                        ],
                        ["SLA countdown", "SLA timers", "response-time targets"],
                    ),
                    F(
                        "Escalation rules for overdue requests",
                        "escalation rules",
                        "Escalate a request to a manager or another queue when its SLA is about to "
                        "breach or has breached, and alert the team lead.",
                        [
                            "escalate overdue requests to a manager automatically",
                            "reassign a request when it breaches its SLA",
                            "alert the team lead before an SLA is missed",
                        ],
                        ["automatic escalations", "escalation rules", "overdue escalations"],
                    ),
                    F(
                        "Business-hours calendars",
                        "business-hours calendars",
                        "Define working hours and public holidays per queue and region so SLA "
                        "timers "
                        "only count business time.",
                        [
                            "pause SLA timers outside working hours",
                            "set different business hours for each region",
                            "exclude public holidays from SLA time",
                        ],
                        [
                            "business-hours calendars",
                            "working-hours settings",
                            "holiday calendars for SLAs",
                        ],
                    ),
                    F(
                        "SLA breach report",
                        "SLA breach reporting",
                        "Report SLA attainment and breaches by queue, priority and assignee, with "
                        "a "
                        "weekly trend for the monthly operations review.",
                        [
                            "report on how many requests breached their SLA",
                            "see SLA attainment per queue over time",
                            "export SLA breaches for our monthly review",
                        ],
                        [
                            "an SLA breach report",
                            "an SLA attainment dashboard",
                            "SLA compliance reporting",
                        ],
                    ),
                ),
            ),
        ),
        (
            B(
                "Workflow builder loses unsaved changes when switching tabs",
                "Unsaved edits in the workflow builder are discarded without warning when the user "
                "opens another browser tab and comes back.",
                [
                    "the workflow builder throws away my changes when I switch tabs",
                    "lost an hour of work in the workflow builder after opening another tab",
                    "changes in the workflow editor disappear if you click to another tab",
                ],
            ),
            B(
                "Date fields shift by one day for users west of UTC",
                "Date-only request fields are stored as midnight UTC and shown a day early in "
                "American time zones.",
                [
                    "due dates show one day earlier than what we entered",
                    "dates jump back a day for our US colleagues",
                    "the date picker saves the wrong day",
                ],
            ),
        ),
    ),
    Area(
        "approvals",
        "Approvals",
        "workflow",
        "new_features",
        (("enterprise", 0.7), ("activation", 0.3)),
        (
            Epic(
                "Approvals that scale",
                "Multi-level approvals for purchasing, access and change requests, with delegation "
                "and an approval audit trail strong enough for auditors.",
                (
                    F(
                        "Multi-level approval chains",
                        "approval chains",
                        "Chain approvers by amount or category (team lead, then finance above "
                        "10,000), with sequential and parallel approval levels.",
                        [
                            "require a second approval above a certain amount",
                            "set up approval chains with several levels",
                            "send a request to finance after the manager approves",
                        ],
                        ["multi-level approvals", "approval chains", "tiered approvals"],
                    ),
                    F(
                        "Out-of-office approval delegation",
                        "approval delegation",
                        "Approvers who are away delegate their approvals to a colleague for a date "
                        "range; pending requests route to the delegate automatically.",
                        [
                            "delegate my approvals while I'm on vacation",
                            "have approvals go to a backup when the approver is out of office",
                            "hand over approvals to a colleague for a week",
                        ],
                        ["approval delegation", "out-of-office delegation", "backup approvers"],
                    ),
                    F(
                        "Approve from email and Slack",
                        "approve-from-Slack actions",
                        "Approve or reject a request straight from the notification email or Slack "
                        "message, without opening the app.",
                        [
                            "approve requests directly from Slack",
                            "approve or reject from the email notification",
                            "handle approvals without logging in",
                        ],
                        [
                            "one-click approvals",
                            "approve buttons in email",
                            "Slack approval buttons",
                        ],
                    ),
                    F(
                        "Approval audit trail export",
                        "approval audit trails",
                        "Export a tamper-evident audit trail of every approval decision (who, "
                        "when, "
                        "what changed) for SOX and ISO audits.",
                        [
                            "export who approved what for our auditors",
                            "prove to auditors that every purchase was approved",
                            "download the full approval history of a request",
                        ],
                        [
                            "an approval audit trail",
                            "an audit export for approvals",
                            "approval history exports",
                        ],
                    ),
                ),
            ),
        ),
        (
            B(
                "Approval reminders sent to approvers who already approved",
                "The reminder job reads a stale approval state and emails approvers whose decision "
                "is already recorded.",
                [
                    "I keep getting reminders for requests I already approved",
                    "approval reminders go out after the approval is done",
                    "reminder emails are sent even though I approved it yesterday",
                ],
            ),
        ),
    ),
    Area(
        "forms",
        "Forms and intake",
        "workflow",
        "new_features",
        (("activation", 0.8),),
        (
            Epic(
                "Smarter intake forms",
                "Intake forms that collect the right information the first time: conditional "
                "fields, prefill from the directory, public links and large attachments.",
                (
                    F(
                        "Conditional form fields",
                        "conditional form fields",
                        "Show or hide form fields depending on earlier answers so requesters only "
                        "see the questions that apply to them.",
                        [
                            "hide form fields that don't apply",
                            "show extra questions only when a certain option is picked",
                            "make our forms shorter depending on the answers",
                        ],
                        ["conditional fields", "dynamic forms", "show/hide logic on forms"],
                    ),
                    F(
                        "Prefill forms from the requester profile",
                        "form prefill",
                        "Fill department, cost centre, manager and location from the requester's "
                        "directory profile instead of asking every time.",
                        [
                            "prefill the requester's department and manager",
                            "stop asking people for their cost centre every time",
                            "auto-fill form fields from our directory",
                        ],
                        [
                            "form prefill",
                            "auto-filled form fields",
                            "profile-based defaults on forms",
                        ],
                    ),
                    F(
                        "Public intake forms",
                        "public forms",
                        "Share a form with people outside the workspace (vendors, contractors) "
                        "through a link, with spam protection.",
                        [
                            "let vendors submit requests without an account",
                            "share a form publicly with a link",
                            "accept requests from external contractors",
                        ],
                        ["public forms", "external intake links", "guest submissions on forms"],
                    ),
                    F(
                        "Large file attachments",
                        "large attachments",
                        "Allow attachments up to 2 GB on requests, with resumable uploads and "
                        "virus "
                        "scanning.",
                        [
                            "attach files bigger than 25 MB",
                            "upload large videos and CAD files to a request",
                            "resume an attachment upload that failed halfway",
                        ],
                        ["bigger attachments", "large file uploads", "higher attachment limits"],
                    ),
                ),
            ),
        ),
        (
            B(
                "Hidden conditional field still required on submit",
                "A required field hidden by a condition still blocks submission with a validation "
                "error the requester cannot see.",
                [
                    "the form won't submit because of a hidden required field",
                    "can't submit the request, the form complains about a field I can't see",
                    "hidden fields still block form submission",
                ],
            ),
            B(
                "Duplicate requests created when submit is double-clicked",
                "The submit button is not disabled while the request is saved, so a double click "
                "creates two requests.",
                [
                    "double-clicking submit creates two requests",
                    "we get duplicate requests when people click submit twice",
                    "every so often the same request shows up twice",
                ],
            ),
        ),
    ),
    Area(
        "automations",
        "Automations",
        "workflow",
        "new_features",
        (("activation", 0.5), ("enterprise", 0.5)),
        (
            Epic(
                "Automation rules engine",
                "Let teams automate the repetitive parts of their processes with "
                "when-this-then-that "
                "rules, schedules, webhooks and bulk actions.",
                (
                    F(
                        "Scheduled automations",
                        "scheduled automations",
                        "Run an automation on a schedule (every Monday at 9:00, the first day of "
                        "the "
                        "month), for example to create recurring requests.",
                        [
                            "create recurring requests every month",
                            "run an automation on a schedule",
                            "open the same checklist every Monday automatically",
                        ],
                        [
                            "recurring requests",
                            "scheduled automations",
                            "cron-style automation rules",
                        ],
                    ),
                    F(
                        "Outbound webhooks",
                        "outbound webhooks",
                        "Call an external URL when a request is created, changes status or is "
                        "approved, with retries and signed webhook payloads.",
                        [
                            "call our own service when a request changes status",
                            "send request events to a webhook",
                            "trigger our internal tools when something is approved",
                        ],
                        ["outbound webhooks", "webhook triggers", "event callbacks"],
                    ),
                    F(
                        "Automation run log",
                        "the automation run log",
                        "A searchable log of every automation run with its inputs, outcome and "
                        "errors, so admins can debug automation rules.",
                        [
                            "see why an automation didn't fire",
                            "debug automation rules that fail silently",
                            "check which automations ran on a request",
                        ],
                        ["automation logs", "a rule execution history", "an automation run log"],
                    ),
                    F(
                        "Bulk actions on requests",
                        "bulk actions",
                        "Select many requests and change status, assignee or fields in one go, "
                        "with "
                        "undo for bulk edits.",
                        [
                            "close hundreds of requests at once",
                            "reassign many requests in one go",
                            "bulk edit fields on requests",
                        ],
                        ["bulk edit", "bulk actions", "mass updates of requests"],
                    ),
                ),
            ),
        ),
        (
            B(
                "Bulk reassign times out above 500 requests",
                "Bulk reassign runs in the web request and hits the 30-second gateway timeout for "
                "large selections.",
                [
                    "bulk reassign fails when I select more than a few hundred requests",
                    "the bulk action spins forever and then errors",
                    "mass reassign of requests times out",
                ],
            ),
        ),
    ),
    Area(
        "permissions",
        "Permissions and admin",
        "workflow",
        "new_features",
        (("enterprise", 1.0),),
        (
            Epic(
                "Enterprise permissions",
                "Fine-grained roles, field-level permissions and admin audit logs that enterprise "
                "security reviews ask for.",
                (
                    F(
                        "Custom roles",
                        "custom roles",
                        "Define roles beyond admin, member and viewer, choosing which actions each "
                        "role may take per workspace and queue.",
                        [
                            "create our own roles with specific permissions",
                            "give someone access to reports but not to settings",
                            "limit what contractors can do in the workspace",
                        ],
                        ["custom roles", "granular permissions", "role-based access control"],
                    ),
                    F(
                        "Field-level permissions",
                        "field-level permissions",
                        "Hide or lock sensitive fields (salary, personal data) for roles that "
                        "should "
                        "not see or edit them.",
                        [
                            "hide salary fields from most users",
                            "lock sensitive fields so only HR can edit them",
                            "restrict who can see personal data on a request",
                        ],
                        ["field-level permissions", "restricted fields", "hidden sensitive fields"],
                    ),
                    F(
                        "Admin audit log",
                        "the admin audit log",
                        "Log every change to settings, roles and permissions with who, when and "
                        "the "
                        "values before and after, searchable for a year.",
                        [
                            "see who changed a permission and when",
                            "track admin changes for compliance",
                            "get a log of every settings change",
                        ],
                        ["an admin audit log", "a settings change history", "audit logging"],
                    ),
                ),
            ),
        ),
    ),
    Area(
        "dashboards",
        "Dashboards and reporting",
        "insights",
        "new_features",
        (("enterprise", 0.5), ("reliability", 0.2), ("activation", 0.3)),
        (
            Epic(
                "Operational dashboards",
                "Dashboards that operations leads open every morning: custom widgets, cycle-time "
                "charts, sharing and scheduled delivery.",
                (
                    F(
                        "Custom dashboard widgets",
                        "custom widgets",
                        "Build charts from any request field (counts, averages, percentiles) and "
                        "arrange the widgets on a dashboard grid.",
                        [
                            "build a chart from our own custom fields",
                            "add our own widgets to a dashboard",
                            "chart the average resolution time by category",
                        ],
                        ["custom widgets", "custom charts", "a chart builder for dashboards"],
                    ),
                    F(
                        "Scheduled report delivery",
                        "scheduled reports",
                        "Email a dashboard or report as PDF or CSV on a schedule to people inside "
                        "and outside the workspace.",
                        [
                            "email the weekly report to our managers automatically",
                            "schedule a dashboard to be sent as a PDF",
                            "get a report in my inbox every Monday",
                        ],
                        ["scheduled reports", "report subscriptions", "automatic report emails"],
                    ),
                    F(
                        "Dashboard sharing with viewers",
                        "dashboard sharing",
                        "Share a dashboard with read-only viewers and through a secure link, "
                        "without giving them a paid seat.",
                        [
                            "share a dashboard with people who don't have a seat",
                            "send a read-only link to a dashboard",
                            "let executives see dashboards without a licence",
                        ],
                        [
                            "dashboard sharing",
                            "read-only dashboard links",
                            "viewer access to dashboards",
                        ],
                    ),
                    F(
                        "Cycle-time and throughput charts",
                        "cycle-time charts",
                        "Show how long requests take from creation to resolution and how many are "
                        "closed per week, by queue and team.",
                        [
                            "see how long requests take from start to finish",
                            "track how many requests each team closes per week",
                            "measure our resolution times over time",
                        ],
                        ["cycle-time charts", "throughput reporting", "resolution-time trends"],
                    ),
                ),
            ),
            Epic(
                "Report performance at scale",
                "Reports and dashboards on workspaces with millions of requests that load in under "
                "two seconds.",
                (
                    F(
                        "Pre-aggregated reporting tables",
                        "pre-aggregated reporting tables",
                        "Compute daily aggregates per queue and field so dashboards read summaries "
                        "instead of scanning raw requests; slow dashboards load fast again.",
                        [
                            "make dashboards load faster on big workspaces",
                            "stop reports from timing out",
                            "open our main dashboard without waiting a minute",
                        ],
                        ["faster dashboards", "report performance", "quicker dashboard loading"],
                    ),
                    F(
                        "Report caching with a freshness indicator",
                        "report caching",
                        "Cache report results for a few minutes and show when the data was last "
                        "refreshed, with a manual refresh button.",
                        [
                            "see when a dashboard was last refreshed",
                            "refresh a report on demand",
                            "know how fresh the numbers on a dashboard are",
                        ],
                        [
                            "report caching",
                            "data freshness labels",
                            "a last-refreshed timestamp on reports",
                        ],
                    ),
                ),
            ),
        ),
        (
            B(
                "Dashboard filters reset after page refresh",
                "Dashboard filter state is kept only in memory, so a reload resets the filters and "
                "date range to the defaults.",
                [
                    "my dashboard filters disappear every time I reload",
                    "the dashboard forgets the date range on refresh",
                    "filters are wiped when the dashboard page reloads",
                ],
            ),
            B(
                "Resolution-time chart counts weekends",
                "The average resolution time widget uses calendar time instead of business time.",
                [
                    "resolution time on the dashboard includes weekends",
                    "the average resolution time chart counts Saturdays and Sundays",
                    "resolution times on the chart look much worse than reality",
                ],
            ),
            B(
                "Scheduled report emails arrive with an empty PDF",
                "The PDF renderer starts before the charts have loaded and sends a blank report.",
                [
                    "the weekly report email has a blank PDF",
                    "scheduled reports arrive empty",
                    "the PDF attached to the report email has no charts",
                ],
            ),
        ),
    ),
    Area(
        "search",
        "Search",
        "insights",
        "new_features",
        (("activation", 0.5), ("reliability", 0.5)),
        (
            Epic(
                "Search that finds things",
                "Global search across requests, comments and attachments, typo-tolerant, with "
                "filters people can save and share.",
                (
                    F(
                        "Full-text search in attachments",
                        "attachment search",
                        "Index the text of PDF, Word and Excel attachments so search finds "
                        "requests "
                        "by what is inside their attached files.",
                        [
                            "search inside attached PDFs",
                            "find a request by text in its attachment",
                            "search the contents of uploaded documents",
                        ],
                        [
                            "attachment search",
                            "search inside files",
                            "full-text search of documents",
                        ],
                    ),
                    F(
                        "Saved searches and filters",
                        "saved searches",
                        "Save a search with its filters, pin it to the sidebar and share the saved "
                        "view with the team.",
                        [
                            "save a search I run every day",
                            "share a filtered view with my team",
                            "pin my favourite search filters",
                        ],
                        ["saved filters", "saved searches", "shared views"],
                    ),
                    F(
                        "Typo-tolerant search",
                        "fuzzy matching in search",
                        "Match misspelled and partial words, and rank exact matches on request "
                        "titles first in search results.",
                        [
                            "find requests even when I misspell a word",
                            "get search results for partial words",
                            "see the most relevant search results first",
                        ],
                        ["fuzzy search", "typo tolerance in search", "better search ranking"],
                    ),
                ),
            ),
        ),
        (
            B(
                "Search misses requests created in the last few minutes",
                "The search index is refreshed by a batch job every ten minutes instead of on "
                "write.",
                [
                    "new requests don't show up in search for a while",
                    "search can't find a request I just created",
                    "search results lag behind by several minutes",
                ],
            ),
        ),
    ),
    Area(
        "exports",
        "Data exports",
        "insights",
        "new_features",
        (("enterprise", 0.8), ("reliability", 0.2)),
        (
            Epic(
                "Data out: exports and warehouse sync",
                "Get request data into the tools finance and analytics teams already use: "
                "spreadsheets, BI tools and data warehouses.",
                (
                    F(
                        "Snowflake and BigQuery sync",
                        "warehouse sync",
                        "Sync requests, fields and history to a Snowflake or BigQuery data "
                        "warehouse "
                        "every hour, with a documented schema.",
                        [
                            "sync our data to Snowflake",
                            "get request data into BigQuery",
                            "analyse requests in our own data warehouse",
                        ],
                        ["warehouse sync", "a Snowflake connector", "a BigQuery export"],
                    ),
                    F(
                        "Excel export with all custom fields",
                        "full Excel exports",
                        "Export any list view to Excel including custom fields, comments and "
                        "timestamps, up to 500,000 rows.",
                        [
                            "export custom fields to Excel",
                            "download all columns of a view",
                            "export more than 10,000 rows",
                        ],
                        ["Excel export", "full exports", "a CSV download with custom fields"],
                    ),
                    F(
                        "Power BI connector",
                        "the Power BI connector",
                        "A certified Power BI connector that reads requests and metrics with "
                        "incremental refresh.",
                        [
                            "connect Power BI to our workspace",
                            "build Power BI reports on our request data",
                            "refresh Power BI without exporting files",
                        ],
                        ["a Power BI connector", "Power BI integration", "a BI connector"],
                    ),
                ),
            ),
        ),
        (
            B(
                "CSV export garbles non-Latin characters",
                "Exports are written without a byte-order mark, so Excel reads them in the wrong "
                "encoding.",
                [
                    "exported CSV shows gibberish instead of Japanese characters",
                    "umlauts come out broken in the CSV export",
                    "accents are corrupted when I open the export in Excel",
                ],
            ),
        ),
    ),
    Area(
        "integrations",
        "Integrations",
        "platform",
        "new_features",
        (("enterprise", 0.6), ("activation", 0.4)),
        (
            Epic(
                "Integrations marketplace",
                "Connect Kitewire to the systems operations teams live in: ticketing, chat, HR and "
                "ERP, with two-way sync.",
                (
                    F(
                        "Two-way Jira sync",
                        "Jira sync",
                        "Link a request to a Jira issue and keep status, comments and assignee in "
                        "sync both ways.",
                        [
                            "keep requests and Jira issues in sync",
                            "push a request to Jira and get status updates back",
                            "see the Jira status on the request",
                        ],
                        ["Jira integration", "two-way Jira sync", "Jira linking"],
                    ),
                    F(
                        "Microsoft Teams app",
                        "the Microsoft Teams app",
                        "Create, follow and approve requests from Microsoft Teams, with "
                        "notifications "
                        "in Teams channels.",
                        [
                            "create requests from Microsoft Teams",
                            "get notifications in a Teams channel",
                            "approve requests inside Teams",
                        ],
                        ["a Microsoft Teams app", "Teams integration", "Teams notifications"],
                    ),
                    F(
                        "Workday and BambooHR sync",
                        "HR system sync",
                        "Import people, managers and departments from Workday or BambooHR every "
                        "night, so routing and approvals follow the org chart.",
                        [
                            "sync our org chart from Workday",
                            "import managers from BambooHR",
                            "keep departments up to date from our HR system",
                        ],
                        ["HR integration", "Workday sync", "org chart import"],
                    ),
                    F(
                        "NetSuite purchase orders",
                        "NetSuite purchase orders",
                        "Create a NetSuite purchase order when a purchase request is approved and "
                        "write the PO number back to the request.",
                        [
                            "create a purchase order in NetSuite after approval",
                            "send approved purchases to our ERP",
                            "get the PO number back on the request",
                        ],
                        ["NetSuite integration", "ERP sync", "purchase order sync"],
                    ),
                ),
            ),
        ),
        (
            B(
                "Jira sync stops after token rotation",
                "The integration caches the old OAuth token and fails silently after the customer "
                "rotates it.",
                [
                    "the Jira integration silently stopped syncing",
                    "Jira sync broke after we rotated our token",
                    "status updates from Jira stopped coming through",
                ],
            ),
        ),
    ),
    Area(
        "api",
        "Public API",
        "platform",
        "new_features",
        (("enterprise", 0.7), ("reliability", 0.3)),
        (
            Epic(
                "Public API v2",
                "A consistent, documented REST API with OAuth, bulk endpoints, pagination and "
                "rate limits that partners can build on.",
                (
                    F(
                        "OAuth 2.0 for the public API",
                        "OAuth apps",
                        "Let partners and customers register OAuth apps with scoped API tokens "
                        "instead of sharing personal API keys.",
                        [
                            "use OAuth instead of personal API keys",
                            "give an integration limited scopes",
                            "register our own API app",
                        ],
                        ["OAuth support", "scoped API tokens", "API apps"],
                    ),
                    F(
                        "Bulk import API",
                        "the bulk import API",
                        "Create or update up to 10,000 requests in one asynchronous job, with a "
                        "report of the rows that failed.",
                        [
                            "import thousands of requests through the API",
                            "load historical requests in bulk",
                            "update many records in one API call",
                        ],
                        ["a bulk API", "a bulk import endpoint", "batch API calls"],
                    ),
                    F(
                        "API rate-limit headers and quotas",
                        "rate-limit headers",
                        "Return rate-limit headers on every API response and let admins see their "
                        "quota usage per app.",
                        [
                            "know how close we are to the API rate limit",
                            "see API usage per integration",
                            "avoid getting throttled by the API",
                        ],
                        ["rate-limit headers", "API quotas", "an API usage dashboard"],
                    ),
                    F(
                        "GraphQL endpoint",
                        "the GraphQL endpoint",
                        "Query requests with their fields, comments and approvals in one round "
                        "trip "
                        "through a GraphQL API endpoint.",
                        [
                            "fetch a request with its comments in one API call",
                            "query the API with GraphQL",
                            "avoid dozens of REST calls to load one request",
                        ],
                        ["a GraphQL API", "GraphQL support", "a GraphQL endpoint"],
                    ),
                ),
            ),
        ),
        (
            B(
                "API returns 500 for requests with more than 100 comments",
                "Comment pagination is not applied when the API embeds comments, and the "
                "serializer "
                "runs out of memory.",
                [
                    "the API errors out on requests with lots of comments",
                    "getting 500 errors from the API on some requests",
                    "API calls fail for requests with long comment threads",
                ],
            ),
            B(
                "Webhooks delivered out of order",
                "Webhook events are sent from several workers without ordering per request.",
                [
                    "webhooks arrive in the wrong order",
                    "we get the closed webhook before the created one",
                    "webhook events are out of sequence",
                ],
            ),
        ),
    ),
    Area(
        "performance",
        "Performance and reliability",
        "platform",
        "reliability",
        (("reliability", 1.0),),
        (
            Epic(
                "Reliability and performance",
                "Meet the 99.95% uptime commitment and make every page feel instant, even for the "
                "largest tenants.",
                (
                    F(
                        "Virtual scrolling for request lists",
                        "virtual scrolling",
                        "Render long request lists incrementally so queues with 50,000 open "
                        "requests "
                        "load fast and scroll smoothly.",
                        [
                            "scroll through big queues without the page freezing",
                            "make long request lists load faster",
                            "open queues with thousands of requests",
                        ],
                        ["faster request lists", "smooth scrolling in queues", "queue performance"],
                    ),
                    F(
                        "Multi-region failover",
                        "multi-region failover",
                        "Run a warm standby in a second cloud region and fail over within 15 "
                        "minutes, "
                        "tested every quarter as part of disaster recovery.",
                        [
                            "stay online if a cloud region goes down",
                            "get a disaster-recovery guarantee",
                            "know how fast you recover from an outage",
                        ],
                        ["disaster recovery", "multi-region failover", "a standby region"],
                    ),
                    F(
                        "Public status page with component health",
                        "the public status page",
                        "Publish per-component health and incident updates on a status page, "
                        "automatically from our monitoring.",
                        [
                            "know when there is an outage before we call support",
                            "subscribe to incident updates",
                            "see which part of the app is degraded",
                        ],
                        ["a status page", "incident updates", "uptime status"],
                    ),
                ),
            ),
        ),
        (
            B(
                "Slow page loads for workspaces with many custom fields",
                "Every request page loads all custom field definitions with one query per field.",
                [
                    "the app is painfully slow since we added more custom fields",
                    "request pages take ten seconds to load",
                    "everything is sluggish on our big workspace",
                ],
            ),
            B(
                "Intermittent 502 errors during peak hours",
                "The load balancer's connection pool is exhausted during the European morning "
                "peak.",
                [
                    "we see 502 errors every morning around nine",
                    "the app randomly shows a bad gateway error",
                    "pages fail to load at peak times",
                ],
            ),
        ),
    ),
    Area(
        "security",
        "Security and identity",
        "platform",
        "reliability",
        (("enterprise", 1.0),),
        (
            Epic(
                "Enterprise identity",
                "SSO, SCIM and data residency: the checklist items that unblock enterprise "
                "security "
                "reviews.",
                (
                    F(
                        "SCIM user provisioning",
                        "SCIM provisioning",
                        "Create, update and deactivate users and groups automatically from Okta, "
                        "Entra ID (Azure AD) and OneLogin through SCIM 2.0 provisioning.",
                        [
                            "provision users automatically from Okta",
                            "deactivate leavers automatically",
                            "sync groups from Azure AD",
                        ],
                        ["SCIM provisioning", "automatic user provisioning", "Okta provisioning"],
                    ),
                    F(
                        "EU data residency",
                        "EU data residency",
                        "Host a workspace's data, backups and search indexes in the EU region "
                        "only, "
                        "to meet GDPR data-location requirements.",
                        [
                            "keep all our data in the EU",
                            "choose where our data is stored",
                            "meet our GDPR data-location requirements",
                        ],
                        ["EU hosting", "data residency", "an EU data centre"],
                    ),
                    F(
                        "Enforced SSO with session policies",
                        "enforced SSO",
                        "Require SSO login for everyone except break-glass admins and set idle "
                        "session timeouts per workspace.",
                        [
                            "force everyone to log in through SSO",
                            "set a session timeout",
                            "block password logins for our company",
                        ],
                        ["enforced SSO", "session timeout settings", "SSO-only login"],
                    ),
                ),
            ),
        ),
        (
            B(
                "SSO login loops for users with uppercase email addresses",
                "Email addresses from the identity provider are compared case-sensitively.",
                [
                    "some of our users are stuck in a login loop with SSO",
                    "SSO keeps redirecting back to the login page",
                    "people with capital letters in their email can't sign in with SSO",
                ],
            ),
        ),
    ),
    Area(
        "mobile",
        "Mobile apps",
        "mobile",
        "new_features",
        (("mobile", 1.0),),
        (
            Epic(
                "Field-ready mobile app",
                "Mobile apps that field technicians and store managers use all day: camera-first "
                "capture, scanning, approvals on the go and offline drafts.",
                (
                    F(
                        "Photo capture with annotations",
                        "photo annotations",
                        "Take photos in the mobile app, mark them up with arrows and text, and "
                        "attach "
                        "the annotated photos to a request.",
                        [
                            "draw on photos before attaching them",
                            "annotate pictures from the mobile app",
                            "mark up photos of a damaged item",
                        ],
                        ["photo annotations", "photo markup", "picture markup"],
                    ),
                    F(
                        "Barcode and QR scanning",
                        "barcode scanning",
                        "Scan a barcode or QR code with the phone camera to open the asset or "
                        "create "
                        "a request prefilled with the asset ID.",
                        [
                            "scan a QR code to log an issue on a machine",
                            "scan barcodes with the phone camera",
                            "open an asset by scanning its label",
                        ],
                        ["barcode scanning", "QR code scanning", "a scanner in the app"],
                    ),
                    F(
                        "Mobile approvals inbox",
                        "the mobile approvals inbox",
                        "A dedicated inbox in the mobile app for pending approvals, with swipe to "
                        "approve and biometric confirmation.",
                        [
                            "approve requests quickly on my phone",
                            "see all pending approvals in the mobile app",
                            "swipe to approve on mobile",
                        ],
                        [
                            "mobile approvals",
                            "an approvals inbox on the phone",
                            "approvals in the mobile app",
                        ],
                    ),
                    F(
                        "Offline drafts on mobile",
                        "offline drafts",
                        "Save requests as drafts on the phone without a connection and submit them "
                        "automatically when the phone is back online.",
                        [
                            "create requests without signal",
                            "save a request when I'm offline and send it later",
                            "keep working in basements with no reception",
                        ],
                        [
                            "offline drafts",
                            "offline support in the app",
                            "offline mode",
                        ],
                    ),
                ),
            ),
        ),
        (
            B(
                "iOS app crashes when attaching more than five photos",
                "The image picker loads full-resolution photos into memory at once.",
                [
                    "the iPhone app crashes when I add several photos",
                    "the iOS app closes itself when attaching pictures",
                    "attaching photos makes the app crash on my iPhone",
                ],
            ),
            B(
                "Android app logs users out every day",
                "The refresh token is stored in memory only and lost when Android stops the app.",
                [
                    "the Android app logs me out every day",
                    "I have to sign in again every morning on Android",
                    "the Android app keeps forgetting my login",
                ],
            ),
        ),
    ),
    Area(
        "notifications",
        "Notifications",
        "mobile",
        "new_features",
        (("mobile", 0.5), ("activation", 0.5)),
        (
            Epic(
                "Notifications people don't mute",
                "Fewer, better notifications: digests, per-channel preferences and reliable push "
                "delivery.",
                (
                    F(
                        "Daily digest emails",
                        "digest emails",
                        "Bundle low-priority notifications into a daily or weekly digest email "
                        "instead of one email per event.",
                        [
                            "get one summary email instead of fifty",
                            "receive a daily digest of updates",
                            "reduce the number of notification emails",
                        ],
                        ["digest emails", "a daily summary email", "notification digests"],
                    ),
                    F(
                        "Notification preferences per channel",
                        "notification preferences",
                        "Choose per event whether to be notified by email, push, Slack or not at "
                        "all, and mute notifications per queue.",
                        [
                            "turn off emails but keep push notifications",
                            "choose which events notify me",
                            "mute notifications for certain queues",
                        ],
                        [
                            "notification settings",
                            "per-channel notification preferences",
                            "granular notification controls",
                        ],
                    ),
                    F(
                        "Reliable push notification delivery",
                        "push delivery",
                        "Move push notification delivery to a queue with retries and delivery "
                        "receipts so notifications arrive within a minute.",
                        [
                            "get push notifications on time",
                            "stop missing notifications on Android",
                            "receive alerts immediately on my phone",
                        ],
                        ["push notifications", "instant push alerts", "push delivery"],
                    ),
                ),
            ),
        ),
        (
            B(
                "Android push notifications arrive hours late",
                "Android push notifications are batched by the old gateway under load.",
                [
                    "notifications on Android come hours later",
                    "push alerts are really delayed on my Pixel",
                    "I only get a push notification long after the request was assigned",
                ],
            ),
            B(
                "Unsubscribe link in digest emails does not work",
                "The unsubscribe token in digest emails expires after 24 hours.",
                [
                    "the unsubscribe link in the emails does nothing",
                    "I can't unsubscribe from the digest email",
                    "clicking unsubscribe in the email shows an error page",
                ],
            ),
        ),
    ),
    Area(
        "onboarding",
        "Onboarding",
        "mobile",
        "growth",
        (("activation", 1.0),),
        (
            Epic(
                "First-week activation",
                "Get a new team from sign-up to their first live workflow in a day: a template "
                "gallery, a guided setup checklist and CSV import.",
                (
                    F(
                        "Workflow template gallery",
                        "the template gallery",
                        "Start from 40 ready-made workflow templates (IT requests, purchasing, "
                        "facilities, employee onboarding) and adapt them.",
                        [
                            "start from a ready-made workflow",
                            "browse example workflows for purchasing",
                            "copy a template for IT requests",
                        ],
                        ["workflow templates", "a template gallery", "starter workflows"],
                    ),
                    F(
                        "Guided setup checklist",
                        "the setup checklist",
                        "A setup checklist that walks admins through inviting the team, connecting "
                        "SSO and launching the first workflow.",
                        [
                            "know what to set up first",
                            "get guided through the initial setup",
                            "see a checklist of onboarding steps",
                        ],
                        ["a setup checklist", "guided onboarding", "an onboarding wizard"],
                    ),
                    F(
                        "CSV import of existing requests",
                        "CSV import",
                        "Import requests from a spreadsheet or another tool with column mapping "
                        "and "
                        "a dry run before the CSV import.",
                        [
                            "import our old requests from a spreadsheet",
                            "move our requests over from another tool",
                            "upload existing requests from a CSV",
                        ],
                        ["CSV import", "data import", "spreadsheet import"],
                    ),
                ),
            ),
        ),
        (
            B(
                "Trial signup fails for email addresses with a plus sign",
                "The signup form's email validation rejects plus addressing.",
                [
                    "couldn't sign up for the trial with a plus address",
                    "trial signup rejects my email address",
                    "registration fails with a + in the email",
                ],
            ),
        ),
    ),
    Area(
        "billing",
        "Billing",
        "mobile",
        "growth",
        (("activation", 0.4), ("enterprise", 0.6)),
        (
            Epic(
                "Self-serve plans and billing",
                "Let teams buy, upgrade and manage their plan, invoices and add-ons without "
                "talking to sales.",
                (
                    F(
                        "Self-serve plan upgrades",
                        "self-serve upgrades",
                        "Upgrade from Team to Business in the app, add seats and switch to annual "
                        "billing, with prorated charges.",
                        [
                            "upgrade our plan without contacting sales",
                            "add seats ourselves",
                            "switch to the annual plan in the app",
                        ],
                        ["self-serve upgrades", "in-app plan changes", "seat management"],
                    ),
                    F(
                        "Invoices with PO numbers and VAT IDs",
                        "invoice details",
                        "Add PO numbers, VAT IDs and billing contacts to invoices, and download "
                        "past "
                        "invoices as PDF.",
                        [
                            "add our PO number to invoices",
                            "put our VAT ID on the invoice",
                            "download old invoices",
                        ],
                        [
                            "invoice customisation",
                            "PO numbers on invoices",
                            "VAT details on invoices",
                        ],
                    ),
                    F(
                        "Usage-based add-ons",
                        "usage add-ons",
                        "Sell automation runs and API calls as add-on packs with usage alerts at "
                        "80% and 100% of the plan.",
                        [
                            "buy more automation runs without changing plans",
                            "get warned before we run out of automation runs",
                            "see how much of our plan we have used",
                        ],
                        ["usage add-ons", "usage alerts", "extra automation runs"],
                    ),
                ),
            ),
        ),
        (
            B(
                "Prorated charge shown twice on upgrade invoice",
                "The upgrade flow adds the prorated line item both at upgrade time and at renewal.",
                [
                    "we were charged twice when we added seats",
                    "the invoice shows the prorated amount twice",
                    "double charge on the invoice after upgrading",
                ],
            ),
        ),
    ),
)

TECH_DEBT: dict[str, tuple[tuple[str, str], ...]] = {
    "workflow": (
        (
            "Replace the legacy rules evaluator with the expression engine",
            "Two evaluators give different answers for null fields; every new rule type is built "
            "twice until the old one is gone.",
        ),
        (
            "Remove the deprecated v1 form renderer",
            "Still used by 3% of forms; blocks the accessibility fixes in the new renderer.",
        ),
        (
            "Upgrade the workflow builder to React 18",
            "React 17 blocks concurrent rendering and two security patches of our UI kit.",
        ),
        (
            "Consolidate three date libraries into one",
            "moment, date-fns and Luxon are all bundled; time-zone bugs come from the mismatch.",
        ),
    ),
    "insights": (
        (
            "Move report queries to the read replica",
            "Dashboard queries on the primary database cause lock waits during peak hours.",
        ),
        (
            "Replace nightly ETL cron jobs with an orchestrated pipeline",
            "Failed cron jobs are noticed only when customers see stale dashboards.",
        ),
        (
            "Upgrade the search cluster to OpenSearch 2",
            "The current Elasticsearch 7 version leaves vendor support next year.",
        ),
        (
            "Delete unused dashboard widget types",
            "Six widget types have had no views in a year and slow every dashboard release.",
        ),
    ),
    "platform": (
        (
            "Migrate background jobs from Celery to a managed queue",
            "Celery workers lose jobs on deploys; retries are hand-rolled per job type.",
        ),
        (
            "Upgrade PostgreSQL 13 to 16",
            "PostgreSQL 13 reaches end of life; 16 brings faster sorting for large tenants.",
        ),
        (
            "Adopt OpenTelemetry tracing across services",
            "Incidents take hours to localise without traces across the API and workers.",
        ),
        (
            "Remove API v1 endpoints after the deprecation period",
            "v1 doubles the test matrix and has no rate limiting.",
        ),
        (
            "Manage the remaining hand-made cloud resources with Terraform",
            "About 40 resources were created by hand and drift between regions.",
        ),
    ),
    "mobile": (
        (
            "Migrate the iOS app to Swift concurrency",
            "Callback-based networking causes the crash class behind most iOS crash reports.",
        ),
        (
            "Move the Android build to Gradle version catalogs",
            "Dependency versions are duplicated across eleven modules.",
        ),
        (
            "Replace the in-house push gateway with Firebase Cloud Messaging",
            "The gateway is a single VM nobody on the team wrote.",
        ),
        (
            "Remove the legacy payment provider integration",
            "Only 14 accounts remain on the old provider; migrating them removes 9,000 lines.",
        ),
    ),
}

# Topics customers raise that are not in the backlog (the themes a feedback engine should find).
TOPICS: tuple[Topic, ...] = (
    Topic(
        "AI summaries",
        (
            "get an AI summary of a long request thread",
            "have an assistant draft replies",
            "summarise long comment threads with AI",
        ),
        ("AI summaries", "an AI assistant", "AI-generated summaries"),
        rising=True,
    ),
    Topic(
        "WhatsApp intake",
        (
            "let field staff open requests through WhatsApp",
            "receive requests from WhatsApp messages",
            "reply to requesters on WhatsApp",
        ),
        ("a WhatsApp integration", "WhatsApp intake", "WhatsApp support"),
        rising=True,
    ),
    Topic(
        "Satisfaction surveys",
        (
            "send a satisfaction survey when a request is closed",
            "ask requesters to rate the service they got",
            "measure CSAT per queue",
        ),
        ("CSAT surveys", "satisfaction ratings", "post-resolution surveys"),
        rising=True,
    ),
    Topic(
        "Dark mode",
        ("switch the app to dark mode", "use a dark theme at night"),
        ("dark mode", "a dark theme"),
    ),
    Topic(
        "Timeline view",
        ("see requests on a timeline", "plan work on a Gantt chart"),
        ("a timeline view", "a Gantt chart"),
    ),
    Topic(
        "Localisation",
        (
            "use the app in Spanish",
            "translate the interface for our French team",
            "send notification emails in German",
        ),
        ("a Spanish version", "localisation", "more interface languages"),
    ),
    Topic(
        "Time tracking",
        ("log time spent on a request", "track hours against requests"),
        ("time tracking", "timesheets"),
    ),
    Topic(
        "Asset inventory",
        (
            "keep a list of our equipment and link requests to it",
            "track which laptop each employee has",
        ),
        ("asset management", "an equipment inventory"),
    ),
    Topic(
        "Kanban board",
        ("see requests as cards on a board", "drag requests between columns"),
        ("a Kanban board", "a board view"),
    ),
)

QUESTIONS: tuple[str, ...] = (
    "How do I reset another user's password?",
    "Can I change the owner of a workflow after the person left the company?",
    "Where do I find our past invoices?",
    "Is there a limit on the number of queues per workspace?",
    "How do I move a request to another queue?",
    "Can guests comment on requests they submitted?",
    "What's the difference between the Team and Business plans?",
    "How do I rename a custom field without losing its data?",
    "Do you support SAML with Google Workspace?",
    "Can I restore a request that was deleted by mistake?",
    "Where can I see which automations are active?",
    "How do I add a company holiday to the team calendar?",
    "Is there an API endpoint to list all users?",
    "How long do you keep deleted data?",
    "How do I make a field mandatory on only one form?",
    "Is there a way to merge two duplicate requests?",
    "Does the mobile app work on iPad?",
    "How do I transfer admin rights to a colleague?",
    "Can we have two workspaces under one contract?",
    "How do I change the sender name on notification emails?",
    "Which browsers do you support?",
    "Can I see the requests a specific person submitted?",
)

PRAISE: tuple[str, ...] = (
    "Support solved our issue in ten minutes, thank you!",
    "The new interface is so much cleaner, our team noticed right away.",
    "We rolled Kitewire out to the whole operations team in a week. Really intuitive.",
    "Approvals used to take days, now they're done in hours.",
    "Best operations tool we've tried, and we've tried a few.",
    "Love how easy it is to build a workflow without calling IT.",
    "Our facilities team finally stopped using email for requests. Huge win.",
    "Great product and a very responsive customer success manager.",
    "The app just works. Fast, simple, does what it says.",
    "Setting up our purchasing process took an afternoon. Impressed.",
    "The weekly dashboard is now the first thing our COO looks at.",
    "Kitewire replaced three spreadsheets and a shared inbox for us.",
    "Really good onboarding call, everything is clear now.",
    "Solid app, rarely any issues, and updates keep coming.",
)

OTHER: tuple[str, ...] = (
    "Can you update our billing address? We moved offices last month.",
    "We're reviewing vendors at the end of the quarter, please send the security questionnaire.",
    "Who is our account manager now that our previous contact left?",
    "Please remove me from the newsletter.",
    "Do you offer a discount for non-profit organisations?",
    "Test, please ignore.",
    "Our procurement team needs your W-9 form for the renewal.",
    "Could we get a copy of your SOC 2 report under NDA?",
    "Is there a user conference this year?",
    "We'd like to be a reference customer if that helps.",
    "Please cancel the extra seats we added by mistake.",
    "Do you have a partner programme for consultancies?",
)

INDUSTRIES: tuple[str, ...] = (
    "Logistics",
    "Healthcare",
    "Retail",
    "Manufacturing",
    "Financial services",
    "Public sector",
    "Energy",
    "Hospitality",
    "Education",
    "Construction",
    "Software",
    "Facilities management",
)
COMPANY_WORDS: tuple[str, ...] = (
    "Harbor",
    "Pinecrest",
    "Atlas",
    "Bluestone",
    "Meridian",
    "Northgate",
    "Redwood",
    "Silverline",
    "Summit",
    "Brightwater",
    "Copperfield",
    "Evergreen",
    "Foxhill",
    "Granite",
    "Highland",
    "Ironbridge",
    "Juniper",
    "Keystone",
    "Lakeshore",
    "Maple",
    "Oakridge",
    "Orchard",
    "Prairie",
    "Quarry",
    "Riverside",
    "Saffron",
    "Stonegate",
    "Tidewater",
    "Upland",
    "Vantage",
    "Westbrook",
    "Willow",
    "Yellowpine",
    "Zenith",
    "Alder",
    "Beacon",
    "Cedar",
    "Driftwood",
    "Elmstead",
    "Falcon",
    "Glacier",
    "Heron",
    "Indigo",
    "Kingfisher",
    "Larch",
    "Mosaic",
    "Nimbus",
    "Osprey",
)
INDUSTRY_SUFFIXES: dict[str, tuple[str, ...]] = {
    "Logistics": ("Logistics", "Freight", "Shipping", "Distribution"),
    "Healthcare": ("Health", "Clinics", "Medical Group", "Care"),
    "Retail": ("Stores", "Retail", "Outfitters", "Markets"),
    "Manufacturing": ("Manufacturing", "Industries", "Components", "Fabrication"),
    "Financial services": ("Capital", "Bank", "Insurance", "Financial"),
    "Public sector": ("County Services", "City Works", "Transit Authority", "Housing Trust"),
    "Energy": ("Energy", "Power", "Renewables", "Utilities"),
    "Hospitality": ("Hotels", "Resorts", "Hospitality", "Dining Group"),
    "Education": ("University", "Academy", "Schools", "College"),
    "Construction": ("Builders", "Construction", "Contracting", "Civil"),
    "Software": ("Software", "Labs", "Systems", "Digital"),
    "Facilities management": ("Facilities", "Property Services", "Estates", "Workplace"),
}
