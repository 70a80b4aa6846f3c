#include "logging.h"

#include <spdlog/sinks/stdout_sinks.h>

#include <chrono>
#include <cstdio>
#include <ctime>

namespace smeledger::cli {

namespace {

// Appends `s` as a JSON string body (no quotes). Invalid UTF-8 becomes U+FFFD.
void AppendEscaped(std::string_view s, spdlog::memory_buf_t& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  auto put = [&out](std::string_view t) { out.append(t.data(), t.data() + t.size()); };
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"': put("\\\""); break;
        case '\\': put("\\\\"); break;
        case '\n': put("\\n"); break;
        case '\r': put("\\r"); break;
        case '\t': put("\\t"); break;
        case '\b': put("\\b"); break;
        case '\f': put("\\f"); break;
        default:
          if (c < 0x20) {
            const char u[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
            put(std::string_view(u, 6));
          } else {
            out.push_back(static_cast<char>(c));
          }
      }
      ++i;
      continue;
    }
    // A multi-byte sequence: check it is well-formed UTF-8 (no overlongs, no surrogates).
    size_t n = 0;
    uint32_t cp = 0;
    if (c >= 0xC2 && c <= 0xDF) {
      n = 2;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 3;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 4;
      cp = c & 0x07;
    }
    bool ok = n > 0 && i + n <= s.size();
    for (size_t k = 1; ok && k < n; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      ok = (cc & 0xC0) == 0x80;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (ok) ok = !(n == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) &&
                 !(n == 4 && (cp < 0x10000 || cp > 0x10FFFF));
    if (ok) {
      put(s.substr(i, n));
      i += n;
    } else {
      put("\xEF\xBF\xBD");  // U+FFFD for this one byte; resynchronise on the next
      ++i;
    }
  }
}

class JsonLogFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const auto since_epoch = msg.time.time_since_epoch();
    const auto secs = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
    const auto micros =
        std::chrono::duration_cast<std::chrono::microseconds>(since_epoch - secs).count();
    const std::time_t t = secs.count();
    std::tm tm;
    gmtime_r(&t, &tm);
    char time[40];
    const int n = std::snprintf(time, sizeof time, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ",
                                tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                                tm.tm_min, tm.tm_sec, static_cast<long long>(micros));
    auto put = [&dest](std::string_view s) { dest.append(s.data(), s.data() + s.size()); };
    put("{\"time\":\"");
    put(std::string_view(time, static_cast<size_t>(n)));
    put("\",\"level\":\"");
    const auto level = spdlog::level::to_string_view(msg.level);
    AppendEscaped(std::string_view(level.data(), level.size()), dest);
    put("\",\"logger\":\"");
    AppendEscaped(std::string_view(msg.logger_name.data(), msg.logger_name.size()), dest);
    put("\",\"msg\":\"");
    AppendEscaped(std::string_view(msg.payload.data(), msg.payload.size()), dest);
    put("\"}\n");
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonLogFormatter>();
  }
};

}  // namespace

std::unique_ptr<spdlog::formatter> NewJsonLogFormatter() {
  return std::make_unique<JsonLogFormatter>();
}

void AddLogFormatOption(CLI::App* cmd, std::string* format) {
  cmd->add_option("--log-format", *format, "log lines as text or json (one object per line)")
      ->capture_default_str()
      ->check(CLI::IsMember({"text", "json"}));
}

std::shared_ptr<spdlog::logger> NewCliLogger(const std::string& name, const std::string& format,
                                             const GlobalOptions& g) {
  auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  auto logger = std::make_shared<spdlog::logger>(name, std::move(sink));
  if (format == "json") {
    logger->set_formatter(NewJsonLogFormatter());
  } else {
    logger->set_pattern("[%Y-%m-%d %H:%M:%S.%e] [%n] [%l] %v");
  }
  logger->set_level(g.verbose ? spdlog::level::debug
                              : g.quiet ? spdlog::level::warn : spdlog::level::info);
  // Warnings reach the terminal at once, even if the process dies next.
  logger->flush_on(spdlog::level::warn);
  return logger;
}

}  // namespace smeledger::cli
