"""Every GraphQL document consign sends to Centra, in one place so the contract test
(tests/contracts/centra) validates them all against Centra's documented schema
(reference/centra/schema-documented.graphql).

Orders on hold or waiting for payment are not returned by `orders` unless the filter asks for
them, so a read by number asks four times, aliased: as is, held, waiting for payment, both. The
alias an order comes back under says which flags it carries (`isWaitingForPayment` is only a
filter, not a field)."""

from __future__ import annotations

# (alias, extra filter): together they return an order whatever its hold/payment flags.
VISIBILITY = (
    ("visible", ""),
    ("held", ", isOnHold: true"),
    ("unpaid", ", isWaitingForPayment: true"),
    ("heldUnpaid", ", isOnHold: true, isWaitingForPayment: true"),
)
UNPAID_ALIASES = frozenset({"unpaid", "heldUnpaid"})

ORDER_SUMMARY = """
fragment OrderSummary on Order {
  id
  number
  status
  isOnHold
  updatedAt
  ... on DirectToConsumerOrder { orderHoldReason }
}
"""

ORDER_FIELDS = """
fragment OrderFields on Order {
  ...OrderSummary
  createdAt
  grandTotal { value currency { code } }
  shippingAddress {
    firstName
    lastName
    companyName
    address1
    address2
    city
    zipCode
    stateOrProvince
    country { code }
    phoneNumber
    cellPhoneNumber
  }
  shippingPriceGroup { shippingOption { id name } }
  lines(includeFullyCancelled: true) {
    id
    quantity
    cancelledQuantity
    productName
    productSize { SKU EAN }
    unitPrice { value currency { code } }
  }
}
"""

PAYMENT_FIELDS = """
fragment PaymentFields on PaymentHistoryEntry {
  id
  createdAt
  status
  entryType
  externalReference
  value { value }
}
"""

# Capture entries: a synchronous capture (CAPTURE), an asynchronous request (CAPTURE_REQUEST,
# PENDING until the provider settles it) and a declined one (CAPTURE_FAILED).
CAPTURE_ENTRIES = "paymentHistory(where: {entryType: [CAPTURE, CAPTURE_REQUEST, CAPTURE_FAILED]})"

ORDER_PAYMENTS = f"""
fragment OrderPayments on Order {{
  ...OrderSummary
  {CAPTURE_ENTRIES} {{ ...PaymentFields }}
}}
"""

SHIPMENT_FIELDS = """
fragment ShipmentFields on Shipment {
  id
  number
  createdAt
  isGoodToGo
  isPaid
  isCaptured
  isShipped
  shippedAt
  trackingNumber
  numberOfPackages
  carrierInformation { carrierName serviceName }
  lines { id quantity orderLine { id } }
}
"""

USER_ERRORS = "userErrors { message path } userWarnings { message path }"


def _by_number(name: str, fragment: str, fragments: str) -> str:
    aliases = "\n".join(
        f"  {alias}: orders(where: {{number: $numbers{extra}}}, limit: $limit) {{ ...{fragment} }}"
        for alias, extra in VISIBILITY
    )
    return f"query {name}($numbers: [Int!]!, $limit: Int!) {{\n{aliases}\n}}\n{fragments}"


ORDERS_BY_NUMBER = _by_number("OrdersByNumber", "OrderFields", ORDER_FIELDS + ORDER_SUMMARY)
ORDER_SUMMARIES = _by_number("OrderSummaries", "OrderSummary", ORDER_SUMMARY)
ORDER_PAYMENT_HISTORY = _by_number(
    "OrderPaymentHistory", "OrderPayments", ORDER_PAYMENTS + ORDER_SUMMARY + PAYMENT_FIELDS
)

OPEN_ORDERS = (
    """
query OpenOrders($limit: Int!, $page: Int!, $changedSince: DateTimeTz!) {
  open: orders(where: {status: [CONFIRMED, PROCESSING]}, limit: $limit, page: $page) {
    ...OrderSummary
  }
  cancelled: orders(
    where: {status: [CANCELLED], updatedAt: {from: $changedSince}}
    limit: $limit
    page: $page
  ) {
    ...OrderSummary
  }
}
"""
    + ORDER_SUMMARY
)

ORDER_SHIPMENTS = (
    """
query OrderShipments($orderIds: [String!]!, $limit: Int!, $page: Int!) {
  shipments(where: {orderId: $orderIds}, limit: $limit, page: $page) { ...ShipmentFields }
}
"""
    + SHIPMENT_FIELDS
)

SHIPMENT_PAYMENTS = (
    f"""
query ShipmentPayments($id: Int!) {{
  shipments(where: {{id: [$id]}}, limit: 1) {{
    ...ShipmentFields
    order {{ number {CAPTURE_ENTRIES} {{ ...PaymentFields }} }}
  }}
}}
"""
    + SHIPMENT_FIELDS
    + PAYMENT_FIELDS
)

ORDER_EVENTS = """
query OrderEvents($limit: Int!) {
  events(where: {objectType: Order}, limit: $limit) {
    id
    objectType
    changeType
    objectReference
    createdAt
  }
}
"""

# With the product sync on, the intake's one events read takes Product events too (their
# objectReference is the product id); they only wake the ProductSync (integrations/centra/port.py).
ORDER_AND_PRODUCT_EVENTS = """
query OrderAndProductEvents($limit: Int!) {
  events(where: {objectType: [Order, Product]}, limit: $limit) {
    id
    objectType
    changeType
    objectReference
    createdAt
  }
}
"""

# No changeTypes: all of them (a variant's or size's change is unverified to reach the product's
# listener as DEPENDENT_DATA_CHANGED; the updatedAt sweep still finds it at the next schedule).
SET_PRODUCT_LISTENERS = f"""
mutation SetProductListeners {{
  setEventListeners(input: [{{ objectType: Product }}]) {{ {USER_ERRORS} }}
}}
"""

SET_ORDER_LISTENERS = f"""
mutation SetOrderListeners {{
  setEventListeners(
    input: [
      {{
        objectType: Order
        changeTypes: [CREATED, UPDATED, DELETED, COMPLETED, DEPENDENT_DATA_CHANGED]
      }}
    ]
  ) {{ {USER_ERRORS} }}
}}
"""

CONFIRM_EVENTS = f"""
mutation ConfirmEvents($ids: [Int!]!) {{
  confirmEvents(input: {{eventsIds: $ids}}) {{ {USER_ERRORS} }}
}}
"""

CREATE_SHIPMENT = (
    f"""
mutation CreateShipment($input: ShipmentCreateInput!) {{
  createShipment(input: $input) {{
    shipment {{
      ...ShipmentFields
      order {{ {CAPTURE_ENTRIES} {{ ...PaymentFields }} }}
    }}
    {USER_ERRORS}
  }}
}}
"""
    + SHIPMENT_FIELDS
    + PAYMENT_FIELDS
)

CAPTURE_SHIPMENT = (
    f"""
mutation CaptureShipment($id: Int!) {{
  captureShipment(id: $id) {{
    shipment {{ ...ShipmentFields }}
    paymentHistoryEntry {{ ...PaymentFields }}
    {USER_ERRORS}
  }}
}}
"""
    + SHIPMENT_FIELDS
    + PAYMENT_FIELDS
)

MARK_SHIPMENT_PAID = (
    f"""
mutation MarkShipmentPaid($id: Int!) {{
  updateShipment(id: $id, input: {{isPaid: true}}) {{
    shipment {{ ...ShipmentFields }}
    {USER_ERRORS}
  }}
}}
"""
    + SHIPMENT_FIELDS
)

COMPLETE_SHIPMENT = (
    f"""
mutation CompleteShipment($id: Int!, $input: ShipmentCompleteInput!) {{
  completeShipment(id: $id, input: $input) {{ shipment {{ ...ShipmentFields }} {USER_ERRORS} }}
}}
"""
    + SHIPMENT_FIELDS
)

PRODUCT_SIZES = """
query ProductSizes($limit: Int!, $page: Int!) {
  productSizes(limit: $limit, page: $page) { id SKU }
}
"""

# One SKU's sizes: StringMatch `contains` is the documented match (`equals` is unverified), so
# the caller keeps only the exact SKU among what comes back.
PRODUCT_SIZES_BY_SKU = """
query ProductSizesBySku($sku: String!, $limit: Int!) {
  productSizes(where: {SKU: {contains: $sku}}, limit: $limit) { id SKU }
}
"""

STOCK_LEVELS = """
query StockLevels($ids: [Int!]!, $limit: Int!, $warehouse: Int!) {
  productSizes(where: {id: $ids}, limit: $limit) {
    id
    SKU
    stock(where: {warehouseId: [$warehouse]}) { physicalQuantity freeToAllocateQuantity }
  }
}
"""

SET_STOCK = f"""
mutation SetStock($input: StockSetInput!) {{
  setStock(input: $input) {{ {USER_ERRORS} }}
}}
"""

CHANGE_STOCK = f"""
mutation ChangeStock($input: StockChangeInput!) {{
  changeStock(input: $input) {{ {USER_ERRORS} }}
}}
"""

# The worker's credential check at start: needs no permission, but a valid token.
RATE_LIMITS = """
query RateLimits {
  rateLimits { type }
}
"""

# Products, newest change first (ProductFilter has no updatedAt: a sweep stops at older ones).
# SKU = productNumber + variantNumber + sizeNumber; GTIN was renamed EAN; the HS code is
# harmonizedCommodityCode; countryOfOrigin needs Product.countryOfOrigin:read (README 10).
PRODUCTS_CHANGED = """
query ProductsChanged($limit: Int!, $page: Int!) {
  products(
    where: {status: [ACTIVE, INACTIVE]}, sort: [updatedAt_DESC], limit: $limit, page: $page
  ) {
    id
    name
    status
    productNumber
    updatedAt
    harmonizedCommodityCode
    harmonizedCommodityCodeDescription
    countryOfOrigin { code }
    weight { value unit }
    variants {
      name
      status
      productSizes { SKU EAN UPC description isActive weight { value unit } }
    }
  }
}
"""

# Returns (integrations/centra/returns.py).
RETURN_EVENTS = """
query ReturnEvents($limit: Int!) {
  events(where: {objectType: Return}, limit: $limit) {
    id
    objectType
    changeType
    objectReference
  }
}
"""

SET_RETURN_LISTENERS = f"""
mutation SetReturnListeners {{
  setEventListeners(
    input: [{{ objectType: Return, changeTypes: [CREATED, UPDATED, COMPLETED, DELETED] }}]
  ) {{ {USER_ERRORS} }}
}}
"""

RETURNS_BY_ID = """
query ReturnsById($ids: [Int!]!) {
  returns(where: {id: $ids}) {
    id
    returnStatus
    createdAt
    order { number }
    lines {
      id
      quantity
      orderLine { productSize { SKU } }
    }
    refundPaymentHistory { entryType status }
  }
}
"""

COMPLETE_RETURN = f"""
mutation CompleteReturn($id: Int!) {{
  completeReturn(id: $id, input: {{sendEmail: false}}) {{
    return {{ id returnStatus }}
    {USER_ERRORS}
  }}
}}
"""

REFUND_RETURN = f"""
mutation RefundReturn($id: Int!) {{
  refundReturn(id: $id, input: {{sendEmail: true}}) {{
    return {{ id }}
    {USER_ERRORS}
  }}
}}
"""

ALL_DOCUMENTS: dict[str, str] = {
    "OrdersByNumber": ORDERS_BY_NUMBER,
    "OrderSummaries": ORDER_SUMMARIES,
    "OrderPaymentHistory": ORDER_PAYMENT_HISTORY,
    "OpenOrders": OPEN_ORDERS,
    "OrderShipments": ORDER_SHIPMENTS,
    "ShipmentPayments": SHIPMENT_PAYMENTS,
    "OrderEvents": ORDER_EVENTS,
    "OrderAndProductEvents": ORDER_AND_PRODUCT_EVENTS,
    "SetOrderListeners": SET_ORDER_LISTENERS,
    "SetProductListeners": SET_PRODUCT_LISTENERS,
    "ConfirmEvents": CONFIRM_EVENTS,
    "CreateShipment": CREATE_SHIPMENT,
    "CaptureShipment": CAPTURE_SHIPMENT,
    "MarkShipmentPaid": MARK_SHIPMENT_PAID,
    "CompleteShipment": COMPLETE_SHIPMENT,
    "ProductSizes": PRODUCT_SIZES,
    "ProductSizesBySku": PRODUCT_SIZES_BY_SKU,
    "StockLevels": STOCK_LEVELS,
    "SetStock": SET_STOCK,
    "ChangeStock": CHANGE_STOCK,
    "RateLimits": RATE_LIMITS,
    "ProductsChanged": PRODUCTS_CHANGED,
    "ReturnEvents": RETURN_EVENTS,
    "SetReturnListeners": SET_RETURN_LISTENERS,
    "ReturnsById": RETURNS_BY_ID,
    "CompleteReturn": COMPLETE_RETURN,
    "RefundReturn": REFUND_RETURN,
}
