"""a need taken on before every step was an entry of its thread gets its taking-on entry: who took it on and when

Revision ID: 0023_need_taken_on_entries
Revises: 0022_need_replies
"""
import sqlalchemy as sa
from alembic import op

revision = '0023_need_taken_on_entries'
down_revision = '0022_need_replies'
branch_labels = None
depends_on = None

# A need was taken on (open → acknowledged) and has no thread entry saying so: taken on without a reply before every
# step became an entry, or taken on with one and then closed before 0022 (the closing reply overwrote it, 0022 carried
# only the one reply). The transition is the only way in to 'acknowledged' and always the thread's first step.
NOT_IN_THREAD = ("NOT EXISTS (SELECT 1 FROM resident_need_replies r WHERE r.need_id = n.id "
                 "AND r.status = 'acknowledged')")
ENTRY = "INSERT INTO resident_need_replies (need_id, author_id, text, status, created_at) "

# Still taken on: the need's own columns are that transition's record (its handler and last change), the very values
# the transition now writes into the entry.
FROM_THE_NEED = (ENTRY + "SELECT n.id, n.handled_by_id, '', 'acknowledged', n.updated_at FROM resident_needs n "
                 "WHERE n.status = 'acknowledged' AND " + NOT_IN_THREAD + " ORDER BY n.id")

# Closed since: closing overwrote the columns, and the audit trail holds who took it on and when (the first
# need.acknowledged event of the need; its actor, if the account is still there, else no author, as the API allows).
FROM_THE_TRAIL = (ENTRY + "SELECT n.id, CASE WHEN EXISTS (SELECT 1 FROM users u WHERE u.id = e.actor_id) "
                  "THEN e.actor_id END, '', 'acknowledged', e.occurred_at FROM resident_needs n "
                  "JOIN audit_events e ON e.action = 'need.acknowledged' AND e.target_type = 'resident_needs' "
                  "AND e.target_id = CAST(n.id AS VARCHAR(60)) "
                  "WHERE n.status = 'closed' AND " + NOT_IN_THREAD + " AND NOT EXISTS (SELECT 1 FROM audit_events f "
                  "WHERE f.action = e.action AND f.target_type = e.target_type AND f.target_id = e.target_id "
                  "AND f.seq < e.seq) ORDER BY n.id")

# A thread reads in id order: a need's earlier entries (its closing reply) are written again after the new first
# entry, unchanged, and the originals removed. Nothing refers to an entry's id.
BACKFILLED = "SELECT need_id FROM resident_need_replies WHERE id > :last"
MOVE_AFTER = (ENTRY + "SELECT need_id, author_id, text, status, created_at FROM resident_need_replies "
              "WHERE id <= :last AND need_id IN (" + BACKFILLED + ") ORDER BY id")
REMOVE_MOVED = "DELETE FROM resident_need_replies WHERE id <= :last AND need_id IN (" + BACKFILLED + ")"


def upgrade():
    bind = op.get_bind()
    last = bind.execute(sa.text("SELECT COALESCE(MAX(id), 0) FROM resident_need_replies")).scalar_one()
    bind.execute(sa.text(FROM_THE_NEED))
    bind.execute(sa.text(FROM_THE_TRAIL))
    bind.execute(sa.text(MOVE_AFTER), {"last": last})
    bind.execute(sa.text(REMOVE_MOVED), {"last": last})


def downgrade():
    # Nothing to undo, on purpose: a backfilled entry cannot be told from one the transition itself wrote since
    # (the same need, author, status and time, no text), and the entries are true and valid at 0022 too.
    pass
