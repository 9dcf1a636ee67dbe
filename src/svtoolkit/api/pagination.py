from rest_framework.pagination import PageNumberPagination


class Pages(PageNumberPagination):
    """50 to a page unless the client asks for another size, up to 200; ``?page=`` past the end is a 404."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
