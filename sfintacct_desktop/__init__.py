"""sfintacct-desktop: keeps Salesforce and Sage Intacct in sync for order-to-cash."""

__version__ = "0.1.0"
