"""The official client's calls against sigscope serve; any exception fails the run."""
import os
from datetime import datetime, timedelta, timezone

from datadog_api_client import ApiClient, Configuration
from datadog_api_client.v2.api.security_monitoring_api import SecurityMonitoringApi
from datadog_api_client.v2.model.security_monitoring_signal_list_request import SecurityMonitoringSignalListRequest
from datadog_api_client.v2.model.security_monitoring_signal_list_request_page import (
    SecurityMonitoringSignalListRequestPage,
)
from datadog_api_client.v2.model.security_monitoring_signal_state import SecurityMonitoringSignalState
from datadog_api_client.v2.model.security_monitoring_signal_archive_reason import SecurityMonitoringSignalArchiveReason
from datadog_api_client.v2.model.security_monitoring_signals_bulk_state_update_request import (
    SecurityMonitoringSignalsBulkStateUpdateRequest,
)
from datadog_api_client.v2.model.security_monitoring_signals_bulk_state_update_data import (
    SecurityMonitoringSignalsBulkStateUpdateData,
)
from datadog_api_client.v2.model.security_monitoring_signal_state_update_attributes import (
    SecurityMonitoringSignalStateUpdateAttributes,
)
from datadog_api_client.v2.model.security_monitoring_signals_bulk_update_request import (
    SecurityMonitoringSignalsBulkUpdateRequest,
)
from datadog_api_client.v2.model.security_monitoring_signals_bulk_update_data import (
    SecurityMonitoringSignalsBulkUpdateData,
)
from datadog_api_client.v2.model.security_monitoring_signal_update_attributes import (
    SecurityMonitoringSignalUpdateAttributes,
)
from datadog_api_client.v2.model.security_monitoring_signal_update_request import (
    SecurityMonitoringSignalUpdateRequest,
)
from datadog_api_client.v2.model.security_monitoring_signal_update_data import SecurityMonitoringSignalUpdateData

cfg = Configuration(host=os.environ["SIGSCOPE_URL"])
cfg.api_key["apiKeyAuth"] = os.environ["DD_API_KEY"]
cfg.api_key["appKeyAuth"] = os.environ["DD_APP_KEY"]
for op in ("v2.edit_security_monitoring_signal", "v2.bulk_edit_security_monitoring_signals"):
    if op in cfg.unstable_operations:
        cfg.unstable_operations[op] = True

with ApiClient(cfg) as client:
    api = SecurityMonitoringApi(client)
    listed = api.list_security_monitoring_signals(
        page_limit=5, filter_from=datetime.now(timezone.utc) - timedelta(days=30)
    )
    ids = [s.id for s in listed.data]
    assert len(ids) == 5, ids
    found = api.search_security_monitoring_signals(
        body=SecurityMonitoringSignalListRequest(page=SecurityMonitoringSignalListRequestPage(limit=3))
    )
    assert len(found.data) == 3
    one = api.get_security_monitoring_signal(ids[0])
    assert one.data.id == ids[0]

    bulk = api.bulk_edit_security_monitoring_signals_state(
        body=SecurityMonitoringSignalsBulkStateUpdateRequest(
            data=[
                SecurityMonitoringSignalsBulkStateUpdateData(
                    id=i,
                    attributes=SecurityMonitoringSignalStateUpdateAttributes(
                        state=SecurityMonitoringSignalState.UNDER_REVIEW
                    ),
                )
                for i in ids[:2]
            ]
        )
    )
    assert bulk.result.count == 2, bulk
    assert [e.id for e in bulk.result.events] == ids[:2]

    upd = api.bulk_edit_security_monitoring_signals(
        body=SecurityMonitoringSignalsBulkUpdateRequest(
            data=[
                SecurityMonitoringSignalsBulkUpdateData(
                    id=ids[2],
                    attributes=SecurityMonitoringSignalUpdateAttributes(
                        state=SecurityMonitoringSignalState.ARCHIVED,
                        archive_reason=SecurityMonitoringSignalArchiveReason.FALSE_POSITIVE,
                    ),
                )
            ]
        )
    )
    assert upd.result.count == 1

    single = api.edit_security_monitoring_signal(
        signal_id=ids[3],
        body=SecurityMonitoringSignalUpdateRequest(
            data=SecurityMonitoringSignalUpdateData(
                attributes=SecurityMonitoringSignalUpdateAttributes(state=SecurityMonitoringSignalState.UNDER_REVIEW)
            )
        ),
    )
    assert str(single.data.attributes.state) == "under_review", single

print("python client: list, search, get, bulk state, bulk update and update all work against sigscope serve")
