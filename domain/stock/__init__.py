"""The stock of one SKU at one location: the StockItem aggregate."""
