#pragma once
// Pieces of the session reader/writer shared by session.cpp and session_stats.cpp. Internal.

#include "session/h5_file.h"
#include "session/session.h"

namespace qs::session_detail {

// /statistics (activation statistics), /weights (weight statistics), /predicted_error.
void writeStatistics(hid_t root, const Session& s);
void readStatistics(hid_t root, Session& s);

} // namespace qs::session_detail
