#pragma once
// UTF-8 checks for what reaches the JSON report and Python (both take UTF-8 only): a path with
// other bytes is refused up front instead of failing every row later.
#include <string>
#include <string_view>

namespace interpbench {

// True when `text` is well-formed UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF).
inline bool is_valid_utf8(std::string_view text) {
  std::size_t i = 0;
  const std::size_t n = text.size();
  while (i < n) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // the allowed range of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return false;
    }
    if (i + len > n) return false;
    const auto second = static_cast<unsigned char>(text[i + 1]);
    if (second < lo || second > hi) return false;
    for (std::size_t k = 2; k < len; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return false;
    }
    i += len;
  }
  return true;
}

// `text` with each byte that is not part of valid UTF-8 written as \xNN: printable in one line.
inline std::string escape_invalid_utf8(std::string_view text) {
  std::string out;
  static constexpr char kHex[] = "0123456789abcdef";
  for (std::size_t i = 0; i < text.size();) {
    std::size_t len = 1;
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
      if (i + len > text.size() || !is_valid_utf8(text.substr(i, len))) {
        out += "\\x";
        out += kHex[c >> 4];
        out += kHex[c & 0xF];
        ++i;
        continue;
      }
    }
    out.append(text.substr(i, len));
    i += len;
  }
  return out;
}

// Control characters (C0, DEL, and C1 as UTF-8: U+0080..U+009F) move a terminal's cursor, start
// escape sequences and break table lines; a name must not carry them to any output.
inline std::size_t find_control_char(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7F) return i;
    if (c == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
        static_cast<unsigned char>(text[i + 1]) <= 0x9F)
      return i;
  }
  return std::string_view::npos;
}

// `text` with each control character (as find_control_char) written as \xNN, and invalid UTF-8
// as escape_invalid_utf8: safe to print in one line of a terminal.
inline std::string escape_control_chars(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    const bool c1 = c == 0xC2 && i + 1 < text.size() &&
                    static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
                    static_cast<unsigned char>(text[i + 1]) <= 0x9F;
    if (c < 0x20 || c == 0x7F || c1) {
      const auto v = c1 ? static_cast<unsigned char>(text[++i]) : c;
      out += "\\x";
      out += kHex[v >> 4];
      out += kHex[v & 0xF];
    } else {
      out += static_cast<char>(c);
    }
  }
  return escape_invalid_utf8(out);
}

}  // namespace interpbench
