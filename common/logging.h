// A small structured logging facade: level, component, message, key=value fields.
//
//   nxt::Log(nxt::LogLevel::kInfo, "containerset", "created container",
//            {{"name", "web-0"}, {"image", image}});
//
// Text format:  2026-11-22T02:13:55.123Z INFO containerset: created container name=web-0
// JSON format:  {"ts":"...","level":"info","component":"containerset","msg":"...","name":"web-0"}
// Thread-safe; lines are written whole to stderr. Never pass a secret as a field.
#ifndef NXT_COMMON_LOGGING_H_
#define NXT_COMMON_LOGGING_H_

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace nxt {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };
enum class LogFormat { kText, kJson };

using LogField = std::pair<std::string_view, std::string>;

void SetLogLevel(LogLevel level);
void SetLogFormat(LogFormat format);
bool ParseLogLevel(std::string_view text, LogLevel* level);
bool ParseLogFormat(std::string_view text, LogFormat* format);
bool LogEnabled(LogLevel level);

void Log(LogLevel level, std::string_view component, std::string_view message,
         std::initializer_list<LogField> fields = {});

// Renders one line without writing it (for tests).
std::string FormatLogLine(LogFormat format, LogLevel level, std::string_view component,
                          std::string_view message, std::initializer_list<LogField> fields);

}  // namespace nxt

#endif  // NXT_COMMON_LOGGING_H_
