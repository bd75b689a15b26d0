cmake_minimum_required(VERSION 3.25)
# Writes the console's index.html with the content hashes of its script and stylesheet in their
# addresses (/console.js?v=<hash>), so those can be cached for good while index.html is not: a new
# build changes the addresses. Usage: cmake -DTEMPLATE=<index.html> -DJS=<file> -DCSS=<file>
# -DOUTPUT=<file> -P stamp_console_index.cmake
file(SHA256 "${JS}" js_hash)
file(SHA256 "${CSS}" css_hash)
string(SUBSTRING "${js_hash}" 0 16 JS_HASH)
string(SUBSTRING "${css_hash}" 0 16 CSS_HASH)
configure_file("${TEMPLATE}" "${OUTPUT}" @ONLY)
