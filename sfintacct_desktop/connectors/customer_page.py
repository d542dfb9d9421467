"""The live read behind one customer's page: its Account with its deals, its CUSTOMER with its AR.

Why a module of its own: the page's "Refresh this customer" must cost a known, small amount, so each
system is read in as few calls as its protocol allows, and the cost stays visible here:

- Salesforce: ONE query, the Account with its Opportunities as a child subquery (a second one only
  when the Account has more deals than one answer carries);
- Intacct: ONE request of three queries (CUSTOMER, ARINVOICE, ARPYMT by CUSTOMERID: three
  transactions), and, when the customer has payments, one more query of their applications
  (ARPYMTDETAIL by PAYMENTKEY: one transaction per 1,000 payments).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..domain import Customer, Invoice, Opportunity, Payment
from ..wire.intacct import Filter
from . import ia_mapping as im
from . import sf_mapping as sm
from .ia_orders import IntacctOrders, Spec
from .intacct import IntacctConnector
from .salesforce import SalesforceConnector, _soql_id
from .values import text

DEAL_FIELDS = tuple(f for f in sm.OPPORTUNITY_FIELDS if f != "IsDeleted")  # IsDeleted is not for a subquery
DEALS_SUBQUERY = f"(SELECT {', '.join(DEAL_FIELDS)} FROM Opportunities ORDER BY CloseDate DESC, Id ASC)"


@dataclass(frozen=True)
class IntacctCustomerRead:
    customer: Customer | None  # None: no such CUSTOMERID
    invoices: list[Invoice]  # without their sales order (the sync found those; the caller keeps them)
    payments: list[Payment]  # with their applications


def account_with_deals(sf: SalesforceConnector, account_id: str) -> tuple[Customer | None, list[Opportunity]]:
    """The Account (None when it is gone) and every Opportunity on it, without lines."""
    soql = f"SELECT {', '.join(sm.ACCOUNT_FIELDS)}, {DEALS_SUBQUERY} FROM Account WHERE Id = {_soql_id(account_id)}"
    rows = [r for page in sf._pages(soql) for r in page]
    if not rows:
        return None, []
    row = rows[0]
    child = row.get("Opportunities") or {}
    deals = list(child.get("records") or [])
    if child and not child.get("done", True):  # a long list of deals: read it whole
        more = (
            f"SELECT {', '.join(DEAL_FIELDS)} FROM Opportunity WHERE AccountId = {_soql_id(text(row.get('Id')))}"
            " ORDER BY CloseDate DESC, Id ASC"
        )
        deals = [r for page in sf._pages(more) for r in page]
    return sm.customer_from_account(row), [sm.opportunity_from_row({**d, "OpportunityLineItems": None}) for d in deals]


def customer_with_receivables(ia: IntacctConnector, customer_id: str) -> IntacctCustomerRead:
    """The CUSTOMER, its AR invoices and its AR payments (with their applications)."""
    orders = IntacctOrders(ia)
    flt, order = Filter.equalto("CUSTOMERID", customer_id), [("RECORDNO", True)]
    cust_rows, inv_rows, pay_rows = orders._run(
        [
            ("CUSTOMER", im.CUSTOMER_FIELDS, flt, order),
            ("ARINVOICE", im.ARINVOICE_FIELDS, flt, order),
            ("ARPYMT", im.ARPYMT_FIELDS, flt, order),
        ]
    )
    keys = [im.field(r, "RECORDNO") for r in pay_rows]
    specs: list[Spec] = [
        ("ARPYMTDETAIL", im.ARPYMTDETAIL_FIELDS, f, [("RECORDNO", True)]) for f in orders._in("PAYMENTKEY", keys)
    ]
    details = [d for got in orders._run(specs) for d in got]
    by_pay: dict[str, list[dict[str, object]]] = {}
    for d in details:
        by_pay.setdefault(im.field(d, "PAYMENTKEY"), []).append(d)
    customer = im.customer_from_row(cust_rows[0], ia.zone) if cust_rows else None
    invoices = [im.invoice_from_row(r, ia.zone) for r in inv_rows]
    payments = [im.payment_from_row(r, ia.zone, by_pay.get(im.field(r, "RECORDNO"), [])) for r in pay_rows]
    return IntacctCustomerRead(customer, invoices, payments)
