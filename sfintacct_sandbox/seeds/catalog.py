"""The demo product catalogue: ~40 products as Sales (Product2) and Finance (ITEM) keyed them.

Each entry says where the product exists and how each side spells it, so the product truth
(exact code pairs, fuzzy pairs, one-sided products, inactive ones, price drift) follows from data.
"""

from __future__ import annotations

from typing import NamedTuple


class Product(NamedTuple):
    """One real product. ``ia_code`` None: not in Intacct; ``sf_code`` None: not in Salesforce."""

    sf_code: str | None  # "" = Product2 without a ProductCode
    sf_name: str
    ia_code: str | None
    ia_name: str
    price: str  # standard price (Salesforce) and BASEPRICE (Intacct) unless ia_price says otherwise
    kind: str  # software | service | hardware | fee
    sf_active: bool = True
    ia_active: bool = True
    ia_price: str | None = None  # Finance updated the price, Sales did not


def _same(code: str, name: str, price: str, kind: str, ia_name: str | None = None, **kw: object) -> Product:
    return Product(code, name, code, ia_name or name, price, kind, **kw)  # type: ignore[arg-type]


PRODUCTS: tuple[Product, ...] = (
    _same(
        "PLAT-STD-1Y",
        "Platform Subscription - Standard (Annual)",
        "12000.00",
        "software",
        "Platform Subscription Standard - Annual",
    ),
    _same("PLAT-PRO-1Y", "Platform Subscription - Professional (Annual)", "24000.00", "software", ia_price="25200.00"),
    _same(
        "PLAT-ENT-1Y",
        "Platform Subscription - Enterprise (Annual)",
        "48000.00",
        "software",
        "Platform Sub. - Enterprise, Annual",
    ),
    _same("SEAT-STD", "Additional User Seat - Standard", "360.00", "software", ia_price="396.00"),
    _same("SEAT-PRO", "Additional User Seat - Professional", "600.00", "software"),
    _same("ANL-ADDON", "Analytics Add-on", "6000.00", "software", "Analytics Add-On Module"),
    _same("API-PACK-1M", "API Call Pack (1M calls)", "1500.00", "software"),
    _same("STOR-1TB", "Additional Storage 1 TB", "1200.00", "software", "Addl Storage - 1TB"),
    _same("SSO-ADDON", "Single Sign-On Add-on", "3000.00", "software"),
    _same("SANDBOX-FULL", "Full Sandbox Environment", "9000.00", "software"),
    _same("SUP-PREM", "Premium Support (Annual)", "5000.00", "software", "Premium Support - Annual"),
    _same("SUP-24X7", "24x7 Mission Critical Support", "15000.00", "software"),
    _same("PS-IMPL-STD", "Implementation Services - Standard", "15000.00", "service", "Implementation Svcs - Std"),
    _same("PS-IMPL-ENT", "Implementation Services - Enterprise", "45000.00", "service"),
    _same("PS-DATA-MIG", "Data Migration Package", "8000.00", "service"),
    _same("PS-CONSULT-HR", "Consulting Hour", "225.00", "service", "Consulting - Hourly"),
    _same("PS-TRAIN-REM", "Remote Training Session (half day)", "950.00", "service"),
    _same("PS-HEALTH", "Annual Health Check", "2500.00", "service"),
    _same("PS-INTEG", "Custom Integration Package", "12000.00", "service"),
    _same("HW-GW-100", "Edge Gateway G100", "899.00", "hardware"),
    _same("HW-GW-200", "Edge Gateway G200", "1499.00", "hardware", "Edge Gateway G-200"),
    _same("HW-SENS-T", "Temperature Sensor T1", "79.00", "hardware"),
    _same("HW-SENS-H", "Humidity Sensor H1", "89.00", "hardware"),
    _same("HW-SENS-M", "Motion Sensor M1", "99.00", "hardware", ia_active=False),
    _same("HW-CAM-4K", "4K Security Camera", "349.00", "hardware"),
    _same("HW-MOUNT", "Universal Mounting Kit", "39.00", "hardware"),
    _same("HW-PSU-12V", "12V Power Supply", "25.00", "hardware", "Power Supply 12V"),
    _same("HW-CABLE-5M", "Sensor Cable 5m", "15.00", "hardware"),
    _same("HW-KIT-START", "Starter Kit (Gateway + 5 Sensors)", "1199.00", "hardware"),
    _same("HW-RACK-1U", "1U Rack Appliance", "4999.00", "hardware"),
    _same("WAR-EXT-2Y", "Extended Warranty - 2 Years", "299.00", "hardware", "Extended Warranty 2 Yr"),
    _same("LEG-ONPREM", "On-Premise License (Legacy)", "20000.00", "software", sf_active=False, ia_active=False),
    # Shared, but the codes were invented separately: only the names (and prices) connect them.
    Product(
        "TRN-ONSITE", "Onsite Training Day", "TRAIN-ONSITE-DAY", "On-site Training - Per Day", "2800.00", "service"
    ),
    Product("MOBILE-ADDON", "Mobile App Add-on", "ADDON-MOBILE", "Mobile Application Add-On", "2400.00", "software"),
    Product("PMHR", "Project Management Hour", "PS-PM-HOUR", "Project Mgmt - Hourly", "175.00", "service"),
    Product("", "Quick Start Package", "QS-PKG", "QuickStart Package", "4500.00", "service"),
    # Salesforce only: new products Finance has not set up, and a retired promo.
    Product("AI-ASSIST-1Y", "AI Assistant (Annual)", None, "", "9600.00", "software"),
    Product("HW-SENS-AIR", "Air Quality Sensor A1", None, "", "129.00", "hardware"),
    Product("PLAT-STARTER", "Platform Starter (Legacy Promo)", None, "", "3000.00", "software", sf_active=False),
    # Intacct only: billing items Sales never sells as products.
    Product(None, "", "SHIP-STD", "Shipping & Handling", "45.00", "fee"),
    Product(None, "", "FEE-LATE", "Late Payment Fee", "50.00", "fee"),
    Product(None, "", "HW-RESTOCK", "Restocking Fee", "75.00", "fee"),
)
