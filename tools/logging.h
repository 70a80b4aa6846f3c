// Loggers for the long-running and Kafka commands. No global logger: a command makes one here
// and hands it to the libraries it calls (they take a std::shared_ptr<spdlog::logger>).
//
//   --log-format text  [2024-05-01 12:00:00.123] [produce] [info] message      (default)
//   --log-format json  {"time":"2024-05-01T12:00:00.123456Z","level":"info",
//                       "logger":"produce","msg":"message"}                   (one per line)
//
// JSON lines are for log shippers: UTC time, every string escaped per RFC 8259, bytes that are
// not UTF-8 replaced by U+FFFD, so each line is always one valid JSON object.
#pragma once

#include <spdlog/formatter.h>
#include <spdlog/logger.h>

#include <memory>
#include <string>

#include "cli.h"

namespace smeledger::cli {

// Adds `--log-format text|json` to `cmd`, stored in *format (default "text").
void AddLogFormatOption(CLI::App* cmd, std::string* format);

// A logger named `name` writing to stderr in `format` ("text" or "json"). Level: info;
// warn with -q; debug with -v.
std::shared_ptr<spdlog::logger> NewCliLogger(const std::string& name, const std::string& format,
                                             const GlobalOptions& g);

// The JSON-lines formatter behind --log-format json.
std::unique_ptr<spdlog::formatter> NewJsonLogFormatter();

}  // namespace smeledger::cli
