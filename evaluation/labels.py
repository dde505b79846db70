from flask_babel import lazy_gettext as _l

from accounts.notifications import NOTIFICATION_TEXTS
from audit.labels import ACTION_LABELS

ACTION_LABELS.update({
    "template.created": _l("Indicator template created"),
    "template.updated": _l("Indicator template changed"), "expert.saved": _l("Expert profile saved"),
    "panel.drawn": _l("Panel drawn"), "panel.member_replaced": _l("Panel member replaced"),
    "panel.conflict_declared": _l("Conflict declared"), "panel.no_conflict_declared": _l("No conflict declared"),
    "sheet.saved": _l("Score sheet saved"), "sheet.submitted": _l("Score sheet submitted"),
    "sheet.reopened": _l("Score sheet reopened"),
})
NOTIFICATION_TEXTS.update({
    "panel.assigned": _l("You have been drawn for the review panel of “%(call)s”."),
    "sheet.reopened": _l("An officer reopened one of your score sheets: %(reason)s"),
})
