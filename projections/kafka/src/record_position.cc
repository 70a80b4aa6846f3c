#include "record_position.h"

#include <capnp/serialize.h>

#include <cstring>

#include "smeledger/schemas/record.capnp.h"

namespace smeledger::projections_kafka {

bool RecordPosition(std::string_view bytes, uint64_t* position, std::string* why) {
  if (bytes.size() < 16 || bytes.size() % 8 != 0) {
    *why = std::to_string(bytes.size()) + " bytes, not a framed message";
    return false;
  }
  uint32_t header[2];
  std::memcpy(header, bytes.data(), sizeof header);
  if (header[0] != 0 || uint64_t{header[1]} * 8 != bytes.size() - 8) {
    *why = "the framing is not one segment of the message's size";
    return false;
  }
  capnp::ReaderOptions options;
  options.traversalLimitInWords = 1 << 16;
  options.nestingLimit = 16;
  try {
    capnp::FlatArrayMessageReader reader(
        kj::arrayPtr(reinterpret_cast<const capnp::word*>(bytes.data()), bytes.size() / 8),
        options);
    *position = reader.getRoot<schema::Record>().getPosition();
  } catch (const kj::Exception& e) {
    *why = std::string("undecodable: ") + e.getDescription().cStr();
    return false;
  }
  return true;
}

}  // namespace smeledger::projections_kafka
