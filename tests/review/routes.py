"""All access routes of the review app, gathered from one list per area."""

from tests.review import routes_agreement, routes_api, routes_lead, routes_reviewer

ROUTES = [
    *routes_reviewer.ROUTES,
    *routes_lead.ROUTES,
    *routes_agreement.ROUTES,
    *routes_api.ROUTES,
]
