// Internal: the simulation's agenda — what participants mean to do, and when.
//
// Intents come out in (at, seq) order, seq being the order they were pushed, so the order is
// total and the same everywhere. A year holds a few hundred thousand pending intents; one heap
// over all of them spends its time in cache misses, so intents wait in a bucket per CST day
// (appends only) and only the day being worked through is a heap.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "json_line.h"

namespace smeledger::producers::internal {

struct Intent {
  int64_t at;    // Unix seconds
  uint64_t seq;  // push order, set by IntentQueue
  uint32_t a, b;
  uint16_t y;
  uint8_t op, x;
};

class IntentQueue {
 public:
  // Intents may fall on CST days first_day .. last_day (inclusive).
  IntentQueue(int32_t first_day, int32_t last_day)
      : origin_day_(first_day), days_(static_cast<size_t>(last_day - first_day + 1)) {}

  // REQUIRES: `in.at` on a day in range, and not before the last popped intent's day.
  void Push(Intent in) {
    in.seq = next_seq_++;
    const int32_t day = CstDay(in.at) - origin_day_;
    if (day <= current_day_) {
      today_.push_back(in);
      std::push_heap(today_.begin(), today_.end(), LaterFirst());
    } else {
      days_[static_cast<size_t>(day)].push_back(in);
    }
    ++pending_;
  }

  bool empty() const { return pending_ == 0; }

  // The next intent. REQUIRES: !empty().
  const Intent& Peek() {
    while (today_.empty()) {
      ++current_day_;
      std::vector<Intent>& bucket = days_[static_cast<size_t>(current_day_)];
      today_.swap(bucket);
      std::vector<Intent>().swap(bucket);  // give the day's memory back
      std::make_heap(today_.begin(), today_.end(), LaterFirst());
    }
    return today_.front();
  }

  // Removes and returns the next intent. REQUIRES: !empty().
  Intent Pop() {
    Peek();
    std::pop_heap(today_.begin(), today_.end(), LaterFirst());
    const Intent in = today_.back();
    today_.pop_back();
    --pending_;
    return in;
  }

 private:
  struct LaterFirst {
    bool operator()(const Intent& l, const Intent& r) const {
      return l.at != r.at ? l.at > r.at : l.seq > r.seq;
    }
  };

  int32_t origin_day_;
  int32_t current_day_ = -1;  // days [0, current_day_] have moved into today_
  std::vector<std::vector<Intent>> days_;
  std::vector<Intent> today_;  // a min-heap by (at, seq)
  uint64_t pending_ = 0;
  uint64_t next_seq_ = 0;
};

}  // namespace smeledger::producers::internal
