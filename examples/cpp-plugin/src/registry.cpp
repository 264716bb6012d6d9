#include "registry.h"

#include <numeric>
#include <sstream>
#include <stdexcept>

namespace shapes {
namespace {

class Circle final : public Shape {
  public:
    explicit Circle(double r) : r_(r) {}
    double area() const override { return 3.141592653589793 * r_ * r_; }
    std::string name() const override { return "circle"; }

  private:
    double r_;
};

class Square final : public Shape {
  public:
    explicit Square(double s) : s_(s) {}
    double area() const override { return s_ * s_; }
    std::string name() const override { return "square"; }

  private:
    double s_;
};

}  // namespace

std::unique_ptr<Shape> make_circle(double radius) {
    if (radius < 0) throw std::invalid_argument("negative radius");
    return std::make_unique<Circle>(radius);
}

std::unique_ptr<Shape> make_square(double side) {
    if (side < 0) throw std::invalid_argument("negative side");
    return std::make_unique<Square>(side);
}

void Registry::add(std::unique_ptr<Shape> shape) { shapes_.push_back(std::move(shape)); }

double Registry::total_area() const {
    return std::accumulate(shapes_.begin(), shapes_.end(), 0.0,
                           [](double sum, const std::unique_ptr<Shape> &s) { return sum + s->area(); });
}

std::string Registry::describe() const {
    std::ostringstream out;
    out << shapes_.size() << " shapes:";
    for (const auto &s : shapes_) out << ' ' << s->name();
    return out.str();
}

}  // namespace shapes
