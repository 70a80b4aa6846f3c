// Data-upload items (服务数据上传, INDICATORS.md): one implementation for the `data_upload`
// indicator and for `smeledger compliance`.
//
// S's items of period P: activity:ID for each offline activity of S, live and not cancelled,
// ending in P (deadline: the upload_working_days-th working day after the CST date of ends_at);
// monthly:YYYY-MM for each month of P in which S was in the network (deadline: monthly_due_day
// of the next month); annual:YYYY in a year or its Q4 (deadline: annual_due of the next year).
// Only subjects of P have items, and an item counts only if its subject is in the network on
// its deadline. Status as of the projection's position: on_time, pending, late or missing.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "smeledger/ledger/status.h"
#include "smeledger/projections/projection.h"
#include "smeledger/projections/rule_set.h"
#include "smeledger/projections/working_day_calendar.h"

namespace smeledger::projections {

enum class ItemStatus { kOnTime, kPending, kLate, kMissing };
std::string_view ItemStatusId(ItemStatus s);  // "on_time", "pending", "late", "missing"

struct UploadItem {
  std::string subject;
  std::string item;           // "activity:ID", "monthly:YYYY-MM", "annual:YYYY"
  int32_t deadline = 0;       // days since 1970-01-01
  bool has_uploaded = false;  // false: a required upload is missing (JSON null)
  int32_t uploaded = 0;       // the latest of the earliest uploads of the required kinds
  ItemStatus status = ItemStatus::kMissing;
  uint64_t position = 0;      // activities: the activity.published record; else 0
};

// The items of `period` in the listed order (by subject id in byte order, then activities in
// ledger order, months, annual), for every subject of the period or only `only_subject`.
// Errors: NotFound naming a calendar year a deadline needs.
Result<std::vector<UploadItem>> ComputeUploadItems(const Projection& projection,
                                                   const RuleSet& rules,
                                                   const WorkingDayCalendar& calendar,
                                                   const Period& period,
                                                   std::string_view only_subject = "");

// {"items":[{"subject","item","deadline","uploaded","status"}]}
std::string UploadItemsJson(const std::vector<UploadItem>& items);
std::string UploadItemsCsv(const std::vector<UploadItem>& items);
std::string UploadItemsTable(const std::vector<UploadItem>& items);

}  // namespace smeledger::projections
