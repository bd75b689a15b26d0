// The compiled parts of Asio and Beast (BOOST_ASIO_SEPARATE_COMPILATION and
// BOOST_BEAST_SEPARATE_COMPILATION are defined for the whole build): built once here instead of in
// every file that includes them.
#include <boost/asio/impl/src.hpp>
#include <boost/beast/src.hpp>
