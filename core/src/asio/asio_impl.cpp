// The one translation unit holding Asio's, Asio SSL's and Beast's compiled code.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
