// The symbols a module's imports and exports become in the dissolved object.
#include <cctype>

#include "dissolve/dissolve.h"

namespace gust::dissolve {

std::string import_symbol(const std::string& module, const std::string& name, const std::string& prefix) {
  auto clean = [](const std::string& s) {
    std::string out = s;
    for (char& c : out)
      if (!isalnum(static_cast<unsigned char>(c)) && c != '_') c = '_';
    return out;
  };
  return prefix + clean(module) + "__" + clean(name);
}

std::string export_symbol(const std::string& name, const std::string& prefix) {
  bool plain = !name.empty() && !isdigit(static_cast<unsigned char>(name[0]));
  for (char c : name) plain = plain && (isalnum(static_cast<unsigned char>(c)) || c == '_');
  if (plain) return prefix + name;
  static const char* hex = "0123456789abcdef";
  std::string s = prefix + "gust_x_";
  for (unsigned char c : name) {
    s += hex[c >> 4];
    s += hex[c & 15];
  }
  return s;
}

}  // namespace gust::dissolve
