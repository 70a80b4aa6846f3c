// Test support for end-to-end tests: run build/bin/smeledger like a user would.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace smeledger::testing {

struct Run {
  int exit_code;
  std::string out, err;
};

inline std::string Slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Sets (or, with nullptr, removes) an environment variable for the programs a test starts;
// restores it when the scope ends.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* v = std::getenv(name)) old_ = v;
    if (value) {
      setenv(name, value, 1);
    } else {
      unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      setenv(name_.c_str(), old_->c_str(), 1);
    } else {
      unsetenv(name_.c_str());
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_;
  std::optional<std::string> old_;
};

// Runs `smeledger <args>` through the shell in `dir`, capturing stdout and stderr.
inline Run Smeledger(const std::string& dir, const std::string& args,
                     const std::string& stdin_file = "") {
  const std::string out = dir + "/.out", err = dir + "/.err";
  std::string cmd = std::string(SMELEDGER_BIN) + " " + args + " >" + out + " 2>" + err +
                    (stdin_file.empty() ? " </dev/null" : " <" + stdin_file);
  int rc = std::system(cmd.c_str());
  Run r{WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, Slurp(out), Slurp(err)};
  return r;
}

inline std::vector<std::string> Lines(const std::string& s) {
  std::vector<std::string> v;
  std::stringstream ss(s);
  std::string l;
  while (std::getline(ss, l)) v.push_back(l);
  return v;
}

// The value of "key" in a flat JSON object line (numbers, strings, null), as text.
inline std::string Field(const std::string& json, const std::string& key) {
  const std::string k = "\"" + key + "\":";
  size_t p = json.find(k);
  if (p == std::string::npos) return "<absent>";
  p += k.size();
  if (json[p] == '"') {  // a string: up to the closing quote, escapes kept as written
    size_t e = p + 1;
    while (e < json.size() && json[e] != '"') e += json[e] == '\\' ? 2 : 1;
    return json.substr(p + 1, e - p - 1);
  }
  size_t e = json.find_first_of(",}", p);
  return json.substr(p, e - p);
}

}  // namespace smeledger::testing
