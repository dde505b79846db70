"""a resident's need keeps every reply (taking it on, closing it) in a thread instead of only the last

Revision ID: 0022_need_replies
Revises: 0021_org_change_requests
"""
import sqlalchemy as sa
from alembic import op

revision = '0022_need_replies'
down_revision = '0021_org_change_requests'
branch_labels = None
depends_on = None


def upgrade():
    # A need's one reply so far was written by its last transition (closing overwrote taking it on): it came with the
    # need's present status, by whoever handled it last, when the need last changed. Set aside before the column goes:
    # on SQLite dropping it rebuilds resident_needs, and dropping the old table would cascade to a replies table that
    # already pointed at it (foreign keys are on), emptying it.
    op.execute("CREATE TABLE need_replies_carried AS SELECT id AS need_id, handled_by_id AS author_id, reply AS text, "
               "status, updated_at AS created_at FROM resident_needs WHERE reply <> ''")
    with op.batch_alter_table('resident_needs', schema=None) as batch_op:
        batch_op.drop_column('reply')
    op.create_table(
        'resident_need_replies',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('need_id', sa.Integer(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=True),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status IN ('open', 'acknowledged', 'closed')",
                           name=op.f('ck_resident_need_replies_status_valid')),
        sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_resident_need_replies_author_id_users')),
        sa.ForeignKeyConstraint(['need_id'], ['resident_needs.id'],
                                name=op.f('fk_resident_need_replies_need_id_resident_needs'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_resident_need_replies')),
    )
    with op.batch_alter_table('resident_need_replies', schema=None) as batch_op:
        batch_op.create_index('ix_resident_need_replies_need', ['need_id', 'id'], unique=False)
    op.execute("INSERT INTO resident_need_replies (need_id, author_id, text, status, created_at) "
               "SELECT need_id, author_id, text, status, created_at FROM need_replies_carried ORDER BY need_id")
    op.drop_table('need_replies_carried')


def downgrade():
    # Each need gets back its latest reply; the table goes first (as above, rebuilding resident_needs would empty it).
    with op.batch_alter_table('resident_needs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reply', sa.Text(), nullable=False, server_default=''))
    op.execute("UPDATE resident_needs SET reply = COALESCE((SELECT r.text FROM resident_need_replies r "
               "WHERE r.need_id = resident_needs.id ORDER BY r.id DESC LIMIT 1), '')")
    with op.batch_alter_table('resident_need_replies', schema=None) as batch_op:
        batch_op.drop_index('ix_resident_need_replies_need')
    op.drop_table('resident_need_replies')
    with op.batch_alter_table('resident_needs', schema=None) as batch_op:
        batch_op.alter_column('reply', existing_type=sa.Text(), server_default=None)
