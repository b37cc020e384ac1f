"""The examples of seeds/003 (LeadConduit API reference): request bodies byte for byte as printed there
(kept in ``seed_bodies/``), query strings, and the webhook test vector of spec section 5.3."""

from __future__ import annotations

from pathlib import Path

BODIES = Path(__file__).with_name("seed_bodies")
SUBMIT = (BODIES / "submit.json").read_text()      # POST /flows/{flow_id}/leads
BATCH = (BODIES / "batch.json").read_text()        # POST /flows/{flow_id}/leads/batch
SETTINGS = (BODIES / "settings.json").read_text()  # PUT /flows/{flow_id}/settings

SEARCH_QUERY = "flow_id=flow_789xyz&created_after=2024-01-01T00:00:00Z&status=delivered&limit=100&offset=0"
EVENTS_QUERY = "event_type=delivered&start_date=2024-01-01&end_date=2024-01-31&limit=1000"
ANALYTICS_QUERY = "flow_id=flow_789xyz&metric=conversion_rate&group_by=source&start_date=2024-01-01&end_date=2024-01-31"

# The seed's webhook example without its placeholder signature, and the spec's test vector (section 5.3).
DELIVERED_PAYLOAD = {
    "event_type": "lead.delivered", "timestamp": "2024-01-15T10:30:02Z", "flow_id": "flow_789xyz",
    "lead_id": "lead_abc123def456",
    "data": {"lead": {"first_name": "John", "last_name": "Doe", "email": "john@example.com", "phone": "+15551234567"},
             "recipient": {"id": "recipient_789", "name": "CRM Integration"}, "quality_score": 0.85,
             "delivery_time_ms": 245}}
VECTOR_KEY = "sk_test_simulator_key"
VECTOR_MESSAGE = ('{"data":{"delivery_time_ms":245,"lead":{"email":"john@example.com","first_name":"John",'
                  '"last_name":"Doe","phone":"+15551234567"},"quality_score":0.85,"recipient":{"id":"recipient_789",'
                  '"name":"CRM Integration"}},"event_type":"lead.delivered","flow_id":"flow_789xyz",'
                  '"lead_id":"lead_abc123def456","timestamp":"2024-01-15T10:30:02Z"}')
VECTOR_SIGNATURE = "sha256=d969b5eb4ecd57995ee6e218335815493abbf6d4375b6f5edabe8f59db2cf3e5"

