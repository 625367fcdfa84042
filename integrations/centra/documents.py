"""Every GraphQL document consign sends to Centra, in one place so the contract test validates
them all against sandbox/centra/schema.graphql (Centra's documented names)."""

from __future__ import annotations

ORDER_FIELDS = """
fragment OrderFields on Order {
  id
  number
  status
  isOnHold
  isWaitingForPayment
  createdAt
  updatedAt
  currency
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
  }
  shippingPriceGroup { shippingOption { id name } }
  lines {
    id
    quantity
    cancelledQuantity
    shippedQuantity
    productName
    productSize { SKU GTIN }
    unitPrice { value currency }
  }
}
"""

SHIPMENT_FIELDS = """
fragment ShipmentFields on Shipment {
  id
  number
  isGoodToGo
  isPaid
  isShipped
  shippedAt
  shipmentInfo { carrier service packagesNumber trackingNumber }
  lines { id quantity orderLine { id } }
}
"""

USER_ERRORS = "userErrors { message path } userWarnings { message path }"

ORDERS_BY_NUMBER = (
    """
query OrdersByNumber($numbers: [Int!]!, $limit: Int!) {
  orders(where: {number: $numbers}, limit: $limit) { ...OrderFields }
}
"""
    + ORDER_FIELDS
)

OPEN_ORDERS = (
    """
query OpenOrders($limit: Int!, $page: Int!, $cancelledSince: DateTime!) {
  open: orders(where: {status: [CONFIRMED, PROCESSING]}, limit: $limit, page: $page) {
    ...OrderFields
  }
  cancelled: orders(
    where: {status: [CANCELLED], createdAt: {from: $cancelledSince}}
    limit: $limit
    page: $page
  ) {
    ...OrderFields
  }
}
"""
    + ORDER_FIELDS
)

ORDER_SHIPMENTS = (
    """
query OrderShipments($number: Int!) {
  orders(where: {number: [$number]}, limit: 1) {
    number
    shipments { ...ShipmentFields }
  }
}
"""
    + SHIPMENT_FIELDS
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
mutation CreateShipment($input: CreateShipmentInput!) {{
  createShipment(input: $input) {{ shipment {{ ...ShipmentFields }} {USER_ERRORS} }}
}}
"""
    + SHIPMENT_FIELDS
)

CAPTURE_SHIPMENT = (
    f"""
mutation CaptureShipment($id: Int!) {{
  captureShipment(id: $id) {{ shipment {{ ...ShipmentFields }} {USER_ERRORS} }}
}}
"""
    + SHIPMENT_FIELDS
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
mutation CompleteShipment($id: Int!, $input: CompleteShipmentInput!) {{
  completeShipment(id: $id, input: $input) {{ shipment {{ ...ShipmentFields }} {USER_ERRORS} }}
}}
"""
    + SHIPMENT_FIELDS
)

SET_STOCK = f"""
mutation SetStock($input: SetStockInput!) {{
  setStock(input: $input) {{ {USER_ERRORS} }}
}}
"""

CHANGE_STOCK = f"""
mutation ChangeStock($input: ChangeStockInput!) {{
  changeStock(input: $input) {{ {USER_ERRORS} }}
}}
"""

STOCK_LEVELS = """
query StockLevels($warehouse: Int!, $skus: [String!]) {
  stock(warehouse: {id: $warehouse}, SKUs: $skus) {
    SKU
    GTIN
    physicalQuantity
    freeToAllocateQuantity
  }
}
"""

ALL_DOCUMENTS: dict[str, str] = {
    "OrdersByNumber": ORDERS_BY_NUMBER,
    "OpenOrders": OPEN_ORDERS,
    "OrderShipments": ORDER_SHIPMENTS,
    "OrderEvents": ORDER_EVENTS,
    "SetOrderListeners": SET_ORDER_LISTENERS,
    "ConfirmEvents": CONFIRM_EVENTS,
    "CreateShipment": CREATE_SHIPMENT,
    "CaptureShipment": CAPTURE_SHIPMENT,
    "MarkShipmentPaid": MARK_SHIPMENT_PAID,
    "CompleteShipment": COMPLETE_SHIPMENT,
    "SetStock": SET_STOCK,
    "ChangeStock": CHANGE_STOCK,
    "StockLevels": STOCK_LEVELS,
}
