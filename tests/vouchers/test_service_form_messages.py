"""A provider's new-service form left incomplete says beside each empty field what it needs (WTForms said only "This
field is required." three times), keeps what was typed (a price with full-width digits and 元, a phone with spaces),
and saves nothing."""

import html
import re

from tests.vouchers.test_service_price_input import EN, counts


def beside(page: str, field: str) -> str:
    return re.search(rf'id="{field}-error" class="field-errors"><div class="invalid-feedback">(.*?)</div>',
                     page).group(1)


def test_empty_fields_say_what_they_need(provider_world, client, login_as):
    login_as(provider_world.manager)
    before = counts()
    response = client.post(f"/vouchers/provider/{provider_world.org.id}/services/new", headers=EN, data={
        "name": "", "category_id": "", "price_fen": "", "booking_phone": "０２１ ６２３４ ５６７８"})
    assert response.status_code in (200, 422)
    page = html.unescape(response.text)
    assert beside(page, "name") == "Give the service a name of up to 120 characters."
    assert beside(page, "category_id") == "Choose a service category."
    assert beside(page, "price_fen") == "Enter a positive amount."
    assert "This field is required." not in page
    assert 'value="０２１ ６２３４ ５６７８"' in page
    assert counts() == before
